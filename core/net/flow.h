/*
 * flow.h - which flow a frame belongs to, as one number: what spreads the
 * frames a device receives from elsewhere (the switch, an interface) over
 * the guest's queue pairs, each flow on one of them so that its frames
 * reach the guest in order.  virtio 1.2 5.1.6.5.5 (automatic receive
 * steering): a flow the guest transmitted on pair X should come back on
 * X, and one it has not may go to any pair.
 */
#ifndef CORE_NET_FLOW_H
#define CORE_NET_FLOW_H

#include <stdint.h>

/* Bytes of a frame that net_flow_hash may look at: Ethernet, a VLAN tag,
 * an IPv4 header with options or an IPv6 header, and the ports. */
#define NET_FLOW_BYTES 96u

/*
 * The flow of the frame of len bytes at f (at most NET_FLOW_BYTES of it
 * need be there): IPv4 or IPv6 addresses, the protocol and, for TCP, UDP
 * and SCTP (unfragmented), the ports; else the two MAC addresses and the
 * EtherType.  Symmetric: both directions of a flow give the same number.
 * Never reads past len.
 */
uint32_t net_flow_hash(const uint8_t *f, uint32_t len);

#endif /* CORE_NET_FLOW_H */
