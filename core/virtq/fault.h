/*
 * fault.h - where a test build can be made to die (make FAULTS=1;
 * port.h, port_fault), to prove inflight recovery by crash (tests/crash/,
 * vhost-user.rst "Inflight I/O tracking").  The points, in the order a
 * chain passes them:
 *   POPPED     vq_pop took a chain and marked it in flight (either
 *              layout; a chain taken again after a restart too);
 *   USED       split: vq_split_push wrote its used element; packed:
 *              vq_packed_publish wrote the batch's ids and lengths, moved
 *              the region's used position, and wrote the flags of all but
 *              the first element, whose flags hand the batch over;
 *   HANDED     the used index (split) or the first element's flags
 *              (packed) are stored: the driver may take the batch, and
 *              the region still marks it in flight;
 *   PUBLISHED  and the region no longer does.
 * In every other build VQ_FAULT is nothing at all.
 */
#ifndef CORE_VIRTQ_FAULT_H
#define CORE_VIRTQ_FAULT_H

#ifdef VHOST_FAULTS
#include "port/port.h"
#define VQ_FAULT(point) port_fault(PORT_FAULT_##point)
#else
#define VQ_FAULT(point) ((void)0)
#endif

#endif /* CORE_VIRTQ_FAULT_H */
