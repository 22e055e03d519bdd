#!/usr/bin/env python3
"""c-style.py [--fix] FILE... - the function-definition form of docs/DESIGN.md
"C style": storage class and return type on their own line, the name at the
start of the next, the opening brace alone after the signature.  Without
--fix it lists each definition written otherwise and exits 1 if there is
one; with --fix it rewrites them in place."""
import re
import sys

# type words (and '*'s) then the function name and its '('
DEF = re.compile(r'^(?P<head>(?:[A-Za-z_]\w*[ \t]+|\*+[ \t]*)*[A-Za-z_]\w*'
                 r'(?:[ \t]*\*+[ \t]*|[ \t]+))(?P<name>[A-Za-z_]\w*)\((?P<rest>.*)$')
NOT_TYPE = {'return', 'typedef', 'else', 'case', 'goto', 'sizeof', 'if',
            'while', 'for', 'switch', 'do'}


def is_definition(lines, i, m):
    """line i starts a signature that ends (within 6 lines) with ')' and a lone '{'"""
    if m.group('name') == '__attribute__' or m.group('head').split()[0] in NOT_TYPE:
        return False
    if '=' in lines[i].split('(')[0]:
        return False
    for j in range(i, min(i + 6, len(lines) - 1)):
        end = lines[j].rstrip()
        if end.endswith(';'):
            return False
        if end.endswith(')') and lines[j + 1].rstrip() == '{':
            return True
    return False


def main(argv):
    fix = argv[:1] == ['--fix']
    files = argv[1:] if fix else argv
    found = 0
    for path in files:
        with open(path) as f:
            lines = f.readlines()
        out = []
        for i, line in enumerate(lines):
            m = DEF.match(line)
            if m and not line[0].isspace() and is_definition(lines, i, m):
                found += 1
                if not fix:
                    print(f'{path}:{i + 1}: type and name of a definition on one line: '
                          f'{line.strip()}')
                out.append(m.group('head').rstrip() + '\n')
                out.append(m.group('name') + '(' + m.group('rest') + '\n')
            else:
                out.append(line)
        if fix and out != lines:
            with open(path, 'w') as f:
                f.writelines(out)
    if fix:
        print(f'c-style: {found} definition(s) rewritten')
        return 0
    print(f'c-style: {len(files)} files, {found} definition(s) off the style')
    return 1 if found else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
