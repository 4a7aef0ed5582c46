#!/usr/bin/env python3
"""doctest.py - run every example command of the documentation.

    doctest.py --tree DIR [--board NAME=BUILD ...] FILE...

FILE is Markdown (README.md, docs/*.md) or a manual page (docs/*.1).
The examples are:
  - Markdown: every fenced block whose language is sh, and every fenced
    block without one that holds "$ " command lines (a transcript);
  - manual pages: every .EX/.EE block.
How a block runs is said on the line before it, in a comment
(Markdown: <!-- doc-test: MODE ... -->; roff: .\\" doc-test: MODE ...):

  run        (a sh block's default) the block is one bash script, run
             with -e and pipefail: it must exit 0.
  daemons    each command (lines joined at a trailing backslash) is a
             program that serves until stopped: it must still run after
             2 s (its socket, for -s PATH, must appear) and exit 0 on
             SIGTERM.  A front-end command (-q PATH) instead runs to its
             end against the first command of the file that serves PATH
             with -s, and must exit 0.
  transcript (the default of a block with "$ " lines) each "$ " line is
             run, and its output (standard output and error) must be the
             lines under it.
  vm         as run, for a block that boots a guest: skipped, and said
             so, where qemu-system-x86_64, a kernel in /boot, busybox
             and cpio are missing.
  skip       not run, reported as skipped, with its reason (why=...).

Options after the mode: timeout=SECS (run, vm: default 300),
board=NAME (whose binary `vhost` is: default host), expect="TEXT" (the
output must hold TEXT), except="PREFIX" (run, vm: lines starting with it
are left out and reported as skipped), why="REASON".

Every block runs in a private mount and network namespace (tmpfs on /tmp
and /run, loopback up, and a veth pair eth0/eth1 for commands that name
an interface), with `vhost` on PATH (an aarch64 board's under
qemu-aarch64), in a scratch copy of DIR shared by one file's blocks in
order: the source without .git and build/, and the builds given with
--board copied into build/NAME.  Needs root (namespaces, tap devices).

Prints PASS, FAIL or SKIP and the block's file:line per command or
block; exit status 0 if nothing failed.
"""
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

MODES = ('run', 'daemons', 'transcript', 'vm', 'skip')
PREFIX = '[docs] '

# The namespace: private /tmp and /run, loopback, an eth0 to bridge to.
NS_SETUP = r'''
mount -t tmpfs tmpfs /tmp && mount -t tmpfs tmpfs /run &&
ip link set lo up &&
ip link add eth0 type veth peer name eth1 &&
ip link set eth0 up && ip link set eth1 up || exit 97
wait_sock() { # PATH: up to 10 s for the socket to appear
	for i in $(seq 1 100); do [ -S "$1" ] && return 0; sleep 0.1; done
	return 1
}
'''


class Block:
    def __init__(self, path, line, mode, opts, text):
        self.path, self.line, self.mode, self.opts, self.text = \
            path, line, mode, opts, text

    @property
    def where(self):
        return '%s:%d' % (os.path.basename(self.path), self.line)


def parse_marker(s, where):
    words = shlex.split(s)
    if not words or words[0] not in MODES:
        raise ValueError('%s: doc-test marker without a mode (%s): %r'
                         % (where, '|'.join(MODES), s))
    opts = {}
    for w in words[1:]:
        if '=' not in w:
            raise ValueError('%s: doc-test option %r is not KEY=VALUE' % (where, w))
        k, v = w.split('=', 1)
        if k not in ('timeout', 'board', 'expect', 'except', 'why'):
            raise ValueError('%s: unknown doc-test option %r' % (where, k))
        opts[k] = v
    return words[0], opts


def blocks_md(path):
    lines = open(path, encoding='utf-8').read().split('\n')
    out, i, marker = [], 0, None
    mre = re.compile(r'^\s*<!--\s*doc-test:\s*(.*?)\s*-->\s*$')
    while i < len(lines):
        ln = lines[i]
        m = mre.match(ln)
        if m:
            marker = (m.group(1), i + 1)
            i += 1
            continue
        f = re.match(r'^(\s*)(```+)\s*([A-Za-z0-9_-]*)\s*$', ln)
        if not f:
            if ln.strip():
                marker = None
            i += 1
            continue
        indent, fence, lang = f.group(1), f.group(2), f.group(3)
        start = i + 1
        body = []
        i += 1
        while i < len(lines) and not re.match(r'^\s*' + fence + r'\s*$', lines[i]):
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
            i += 1
        i += 1
        text = '\n'.join(body)
        if marker:
            mode, opts = parse_marker(marker[0], '%s:%d' % (path, marker[1]))
        elif lang in ('sh', 'bash', 'shell'):
            mode, opts = 'run', {}
        elif lang == '' and any(b.startswith('$ ') for b in body):
            mode, opts = 'transcript', {}
        else:
            marker = None
            continue  # output, a diagram, a file's contents: no commands
        marker = None
        out.append(Block(path, start, mode, opts, text))
    return out


def unroff(s):
    s = s.replace('\\-', '-').replace('\\e', '\\').replace('\\(dq', '"')
    s = s.replace('\\&', '').replace('\\ ', ' ')
    return s


def blocks_roff(path):
    lines = open(path, encoding='utf-8').read().split('\n')
    out, i, marker = [], 0, None
    while i < len(lines):
        ln = lines[i]
        m = re.match(r'^\.\\"\s*doc-test:\s*(.*?)\s*$', ln)
        if m:
            marker = (m.group(1), i + 1)
        elif ln.strip() == '.EX':
            start = i + 1
            body = []
            i += 1
            while i < len(lines) and lines[i].strip() != '.EE':
                body.append(unroff(lines[i]))
                i += 1
            if marker:
                mode, opts = parse_marker(marker[0], '%s:%d' % (path, marker[1]))
            else:
                mode, opts = 'daemons', {}
            out.append(Block(path, start, mode, opts, '\n'.join(body)))
            marker = None
        elif ln.strip() not in ('.PP', '.RS', '.RE', '') and not ln.startswith('.\\"'):
            marker = None
        i += 1
    return out


def commands(text):
    """The block's commands: comment lines dropped, continuations joined."""
    cmds, cur = [], ''
    for ln in text.split('\n'):
        if not cur and (not ln.strip() or ln.lstrip().startswith('#')):
            continue
        if ln.rstrip().endswith('\\'):
            cur += ln.rstrip()[:-1] + ' '
            continue
        cur += ln
        cmds.append(cur.strip())
        cur = ''
    if cur.strip():
        cmds.append(cur.strip())
    return cmds


class Runner:
    def __init__(self, tree, boards):
        self.src = os.path.abspath(tree)
        self.boards = boards  # name -> build dir
        self.failed = 0
        self.scratch = tempfile.mkdtemp(prefix='vhost-docs.', dir='/var/tmp')
        self.bindirs = {}
        for name, build in boards.items():
            d = os.path.join(self.scratch, 'bin', name)
            os.makedirs(d)
            exe = os.path.join(d, 'vhost.bin')
            shutil.copy2(os.path.join(build, 'vhost'), exe)
            arch = subprocess.run(['file', '-L', exe], capture_output=True, text=True).stdout
            wrap = os.path.join(d, 'vhost')
            with open(wrap, 'w') as f:
                if 'aarch64' in arch and os.uname().machine != 'aarch64':
                    f.write('#!/bin/sh\nexec qemu-aarch64 "%s" "$@"\n' % exe)
                else:
                    f.write('#!/bin/sh\nexec "%s" "$@"\n' % exe)
            os.chmod(wrap, 0o755)
            self.bindirs[name] = d

    def close(self):
        shutil.rmtree(self.scratch, ignore_errors=True)

    def new_tree(self):
        """A scratch copy of the source, and of the builds given."""
        t = os.path.join(self.scratch, 'tree')
        shutil.rmtree(t, ignore_errors=True)
        shutil.copytree(self.src, t, symlinks=True,
                        ignore=lambda d, names: [n for n in names if d == self.src and
                                                 n in ('.git', 'build')])
        for name, build in self.boards.items():
            shutil.copytree(build, os.path.join(t, 'build', name), symlinks=True)
        return t

    def report(self, word, name, why=None, log=None):
        print('%s %s%s' % (word, name, ' (%s)' % why if why else ''), flush=True)
        if word == 'FAIL':
            self.failed += 1
            if log:
                for ln in log.rstrip('\n').split('\n')[-15:]:
                    print('  | ' + ln)

    def ns(self, script, cwd, board, timeout):
        """Run a bash script in a private namespace; (status, output)."""
        env = dict(os.environ)
        env['PATH'] = self.bindirs[board] + ':' + env.get('PATH', '')
        env.pop('MAKEFLAGS', None)
        env['VHOST_DOCTEST'] = '1'
        env.pop('MAKELEVEL', None)
        full = NS_SETUP + 'cd ' + shlex.quote(cwd) + ' || exit 97\n' + script
        try:
            p = subprocess.run(['unshare', '--mount', '--net', '--propagation', 'private',
                                '--', 'bash', '-c', full], cwd=cwd, env=env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=timeout)
            out = p.stdout.decode('utf-8', 'replace')
            if p.returncode == 97:
                out += '\n(the private namespace could not be set up)'
            return p.returncode, out
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b'').decode('utf-8', 'replace')
            return -1, out + '\n(timed out after %d s)' % timeout

    def planned(self, b):
        """How many results block b reports (PASS, FAIL or SKIP lines): the
        docs stage's count, so that an example that never ran is seen."""
        if b.mode == 'skip' or b.opts.get('board', 'host') not in self.bindirs:
            return 1
        if b.mode == 'daemons':
            return len(commands(b.text))
        if b.mode == 'transcript':
            return sum(1 for ln in b.text.split('\n') if ln.startswith('$ '))
        if b.mode == 'vm' and self.vm_missing():
            return 1
        return 1 + sum(1 for ln in b.text.split('\n') if 'except' in b.opts and
                       ln.strip().startswith(b.opts['except']))

    def vm_missing(self):
        missing = [t for t in ('qemu-system-x86_64', 'cpio') if not shutil.which(t)]
        if not os.path.exists('/bin/busybox'):
            missing.append('busybox')
        if not any(n.startswith('vmlinuz-') for n in os.listdir('/boot')):
            missing.append('a kernel in /boot')
        return missing

    def board_of(self, b):
        board = b.opts.get('board', 'host')
        if board not in self.bindirs:
            self.report('SKIP', 'docs %s %s' % (b.where, b.mode),
                        'board %s is not built in this run' % board)
            return None
        return board

    def check_expect(self, b, rc, out):
        if rc == 0 and 'expect' in b.opts and b.opts['expect'] not in out:
            return 1, out + '\n(the output does not hold %r)' % b.opts['expect']
        return rc, out

    def run_script(self, b, tree):
        board = self.board_of(b)
        if board is None:
            return
        if b.mode == 'vm':
            missing = self.vm_missing()
            if missing:
                self.report('SKIP', 'docs %s vm' % b.where, 'needs ' + ', '.join(missing))
                return
        lines = b.text.split('\n')
        if 'except' in b.opts:
            kept = []
            for ln in lines:
                if ln.strip().startswith(b.opts['except']):
                    self.report('SKIP', 'docs %s: %s' % (b.where, ' '.join(ln.split())),
                                b.opts.get('why', 'left out of this test'))
                else:
                    kept.append(ln)
            lines = kept
        script = 'set -e -o pipefail\n' + '\n'.join(lines) + '\n'
        rc, out = self.ns(script, tree, board, int(b.opts.get('timeout', 300)))
        rc, out = self.check_expect(b, rc, out)
        self.report('PASS' if rc == 0 else 'FAIL', 'docs %s %s' % (b.where, b.mode),
                    None, out)

    def run_daemons(self, b, tree, servers):
        board = self.board_of(b)
        if board is None:
            return
        for cmd in commands(b.text):
            short = ' '.join(cmd.split())
            name = 'docs %s: %s' % (b.where, short if len(short) < 70 else short[:67] + '...')
            m = re.search(r'(?:^|\s)(?:-q|--frontend)\s+(\S+)', cmd)
            if m:
                server = servers.get(m.group(1))
                if server is None:
                    self.report('FAIL', name, None, 'no command of %s serves %s with -s'
                                % (os.path.basename(b.path), m.group(1)))
                    continue
                script = (as_file('/tmp/server.sh', server) + as_file('/tmp/client.sh', cmd) +
                          'bash /tmp/server.sh >/tmp/server.log 2>&1 &\nbe=$!\n' +
                          WAIT_SOCK % shlex.quote(m.group(1)) + ' &&\nbash /tmp/client.sh\n'
                          'status=$?\nkill -TERM $be; wait $be; be_status=$?\n'
                          '[ $status -eq 0 ] || { echo "exit status $status"; exit 1; }\n'
                          '[ $be_status -eq 0 ] || { cat /tmp/server.log; '
                          'echo "the back-end exited $be_status"; exit 1; }\n')
            else:
                socks = re.findall(r'(?:^|\s)(?:-s|--server)\s+(\S+)', cmd)
                wait = ''.join(WAIT_SOCK % shlex.quote(s) + ' || { cat /tmp/out.log; '
                               'echo "no socket %s"; exit 1; }\n' % s for s in socks)
                script = (as_file('/tmp/cmd.sh', cmd) +
                          'bash /tmp/cmd.sh >/tmp/out.log 2>&1 &\npid=$!\n%ssleep 2\n'
                          'kill -0 $pid 2>/dev/null || { cat /tmp/out.log; wait $pid; '
                          'echo "ended by itself, status $?"; exit 1; }\n'
                          'kill -TERM $pid; wait $pid; rc=$?\ncat /tmp/out.log\n'
                          '[ $rc -eq 0 ] || { echo "exit status $rc on SIGTERM"; exit 1; }\n'
                          % wait)
            rc, out = self.ns(script, tree, board, int(b.opts.get('timeout', 120)))
            rc, out = self.check_expect(b, rc, out)
            self.report('PASS' if rc == 0 else 'FAIL', name, None, out)

    def run_transcript(self, b, tree):
        board = self.board_of(b)
        if board is None:
            return
        steps, cur = [], None
        for ln in b.text.split('\n'):
            if ln.startswith('$ '):
                cur = (ln[2:], [])
                steps.append(cur)
            elif cur is not None:
                cur[1].append(ln)
        for cmd, want in steps:
            while want and not want[-1].strip():
                want.pop()
            rc, out = self.ns(cmd + '\n', tree, board, int(b.opts.get('timeout', 60)))
            got = [ln.rstrip() for ln in out.rstrip('\n').split('\n')] if out else []
            want = [ln.rstrip() for ln in want]
            name = 'docs %s: $ %s' % (b.where, cmd)
            if got == want:
                self.report('PASS', name)
            else:
                self.report('FAIL', name, None, 'expected:\n' + '\n'.join(want) +
                            '\ngot (exit status %d):\n' % rc + '\n'.join(got))


WAIT_SOCK = 'wait_sock %s'


def as_file(path, cmd):
    """A script that becomes the command (exec), so that its process id is
    the command's; a trailing comment ends with its line."""
    return "cat >%s <<'DOCTEST_EOF'\nexec %s\nDOCTEST_EOF\n" % (path, cmd)


def main(argv):
    args, boards, files = argv[1:], {}, []
    tree = None
    while args:
        a = args.pop(0)
        if a == '--tree':
            tree = args.pop(0)
        elif a == '--board':
            name, _, build = args.pop(0).partition('=')
            boards[name] = os.path.abspath(build)
        else:
            files.append(a)
    if tree is None or not files:
        print(__doc__.strip().split('\n\n')[1], file=sys.stderr)
        return 2
    try:
        parsed = [(f, blocks_roff(f) if re.search(r'\.[1-9]$', f) else blocks_md(f))
                  for f in files]
    except ValueError as e:
        print('FAIL docs markers (%s)' % e)
        return 1
    if os.geteuid() != 0 or not shutil.which('unshare'):
        n = sum(len(bl) for _, bl in parsed)
        print('PLAN %d' % n, flush=True)
        for f, bl in parsed:
            for b in bl:
                print('SKIP docs %s %s (needs root and unshare: private namespaces)'
                      % (b.where, b.mode))
        return 0 if n else 1
    r = Runner(tree, boards)
    print('PLAN %d' % sum(r.planned(b) for _, bl in parsed for b in bl), flush=True)
    try:
        for f, bl in parsed:
            print(PREFIX + '%s: %d blocks' % (f, len(bl)), flush=True)
            tree_copy = r.new_tree()
            # the commands that serve a socket, for the front-ends that
            # name it (daemons)
            servers = {}
            for b in bl:
                if b.mode != 'daemons':
                    continue
                for c in commands(b.text):
                    for s in re.findall(r'(?:^|\s)(?:-s|--server)\s+(\S+)', c):
                        servers.setdefault(s, c)
            for b in bl:
                if b.mode == 'skip':
                    r.report('SKIP', 'docs %s' % b.where, b.opts.get('why', 'marked skip'))
                elif b.mode in ('run', 'vm'):
                    r.run_script(b, tree_copy)
                elif b.mode == 'daemons':
                    r.run_daemons(b, tree_copy, servers)
                else:
                    r.run_transcript(b, tree_copy)
    finally:
        r.close()
    return 1 if r.failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
