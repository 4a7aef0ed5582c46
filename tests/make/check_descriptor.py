#!/usr/bin/env python3
"""check_descriptor.py - check a JSON document against a type of a QAPI
schema, such as QEMU's docs/interop/vhost-user.json (a copy is beside
this file).

    check_descriptor.py SCHEMA TYPE FILE      (FILE - : standard input)

TYPE is the schema's name for the document's root: VhostUserBackend for
a back-end's descriptor (share/qemu/vhost-user/*.json),
VHostUserBackendCapabilities for what --print-capabilities prints.

The schema's definitions are read, not restated: enums (every value one
of the enum's), structs (every member known, every member without a '*'
present, each of its type), unions with a base and a discriminator (the
base's members, and those of the branch the discriminator selects), lists
([ 'T' ]) and the built-in types.  The document must be strict JSON, with
no key twice.  Prints one line per problem, naming where it is; exit
status 0 if there is none, 1 if there is, 2 if the schema or the
arguments are unusable.
"""
import ast
import json
import sys

BUILTIN = {
    'str': lambda v: isinstance(v, str),
    'bool': lambda v: isinstance(v, bool),
    'number': lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    'null': lambda v: v is None,
    'any': lambda v: True,
}
for _n, _lo, _hi in (('int', -2**63, 2**63 - 1), ('int8', -2**7, 2**7 - 1),
                     ('int16', -2**15, 2**15 - 1), ('int32', -2**31, 2**31 - 1),
                     ('int64', -2**63, 2**63 - 1), ('uint8', 0, 2**8 - 1),
                     ('uint16', 0, 2**16 - 1), ('uint32', 0, 2**32 - 1),
                     ('uint64', 0, 2**64 - 1), ('size', 0, 2**64 - 1)):
    BUILTIN[_n] = (lambda lo, hi: lambda v: isinstance(v, int) and
                   not isinstance(v, bool) and lo <= v <= hi)(_lo, _hi)


def read_schema(path):
    """The schema's definitions by name: QAPI's syntax is a series of
    Python literals (dicts), with '#' comments outside strings."""
    text = open(path, encoding='utf-8').read()
    exprs, cur, depth, quote, i = [], [], 0, None, 0
    while i < len(text):
        ch = text[i]
        if quote is None and ch == '#':
            while i < len(text) and text[i] != '\n':
                i += 1
            continue
        if depth > 0:
            cur.append(ch)
        if quote:
            if ch == '\\':
                i += 1
                if depth > 0 and i < len(text):
                    cur.append(text[i])
            elif ch == quote:
                quote = None
        elif ch in '\'"':
            quote = ch
        elif ch == '{':
            if depth == 0:
                cur = [ch]
            depth += 1
        elif ch == '}':
            depth -= 1
            if depth < 0:
                raise ValueError('unbalanced } at offset %d' % i)
            if depth == 0:
                exprs.append(''.join(cur))
        elif depth == 0 and not ch.isspace():
            raise ValueError('%r outside a definition at offset %d' % (ch, i))
        i += 1
    if depth != 0 or quote:
        raise ValueError('the schema ends inside a definition')
    defs = {}
    for src in exprs:
        expr = ast.literal_eval(src)
        meta = [k for k in ('enum', 'struct', 'union', 'alternate') if k in expr]
        if len(meta) != 1:
            raise ValueError('a definition that is none of enum, struct, union: %r' % expr)
        defs[expr[meta[0]]] = (meta[0], expr)
    if not defs:
        raise ValueError('no definitions')
    return defs


class Checker:
    def __init__(self, defs):
        self.defs = defs
        self.problems = []

    def bad(self, where, what):
        self.problems.append('%s: %s' % (where or '(root)', what))

    def members(self, spec):
        """A struct's or a base's members: {name: (type, optional)}."""
        if isinstance(spec, str):
            kind, expr = self.defs[spec]
            if kind != 'struct':
                raise ValueError('base %s is not a struct' % spec)
            return self.members(expr['data'])
        out = {}
        for name, typ in spec.items():
            opt = name.startswith('*')
            if isinstance(typ, dict):  # {'type': T, 'if': ...}
                typ = typ['type']
            out[name.lstrip('*')] = (typ, opt)
        return out

    def check_members(self, value, members, where):
        if not isinstance(value, dict):
            self.bad(where, 'expected an object, got %s' % json.dumps(value))
            return
        for key in value:
            if key not in members:
                self.bad(where, 'unknown member "%s" (known: %s)' %
                         (key, ', '.join(sorted(members))))
        for key, (typ, opt) in members.items():
            if key in value:
                self.check(value[key], typ, '%s.%s' % (where, key) if where else key)
            elif not opt:
                self.bad(where, 'member "%s" is missing' % key)

    def check(self, value, typ, where=''):
        if isinstance(typ, list):
            if len(typ) != 1:
                raise ValueError('a list type of other than one element: %r' % typ)
            if not isinstance(value, list):
                self.bad(where, 'expected a list of %s, got %s' % (typ[0], json.dumps(value)))
                return
            for i, v in enumerate(value):
                self.check(v, typ[0], '%s[%d]' % (where, i))
            return
        if typ in BUILTIN:
            if not BUILTIN[typ](value):
                self.bad(where, 'expected %s, got %s' % (typ, json.dumps(value)))
            return
        if typ not in self.defs:
            raise ValueError('type %s is not defined in the schema' % typ)
        kind, expr = self.defs[typ]
        if kind == 'enum':
            names = [d['name'] if isinstance(d, dict) else d for d in expr['data']]
            if not isinstance(value, str) or value not in names:
                self.bad(where, '%s is not a %s (one of: %s)' %
                         (json.dumps(value), typ, ', '.join(names)))
        elif kind == 'struct':
            members = self.members(expr['data'])
            if 'base' in expr:
                members.update(self.members(expr['base']))
            self.check_members(value, members, where)
        elif kind == 'union':
            members = self.members(expr['base'])
            disc = expr['discriminator']
            if isinstance(value, dict) and disc in value:
                branch = expr['data'].get(value[disc])
                if isinstance(branch, dict):
                    branch = branch['type']
                if branch is not None:
                    members.update(self.members(branch))
            self.check_members(value, members, where)
        else:
            raise ValueError('%s definitions are not supported' % kind)


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise ValueError('member %s given twice' % ', '.join(dup))
    return dict(pairs)


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip().split('\n\n')[1], file=sys.stderr)
        return 2
    schema, typ, path = argv[1:]
    try:
        defs = read_schema(schema)
        if typ not in defs:
            print('check_descriptor: %s is not defined in %s' % (typ, schema), file=sys.stderr)
            return 2
    except (OSError, ValueError, SyntaxError) as e:
        print('check_descriptor: %s: %s' % (schema, e), file=sys.stderr)
        return 2
    name = 'standard input' if path == '-' else path
    try:
        text = sys.stdin.read() if path == '-' else open(path, encoding='utf-8').read()
        doc = json.loads(text, object_pairs_hook=no_duplicates)
    except (OSError, ValueError) as e:
        print('%s: not valid JSON: %s' % (name, e))
        return 1
    c = Checker(defs)
    try:
        c.check(doc, typ)
    except ValueError as e:
        print('check_descriptor: %s: %s' % (schema, e), file=sys.stderr)
        return 2
    for p in c.problems:
        print('%s: %s' % (name, p))
    return 1 if c.problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
