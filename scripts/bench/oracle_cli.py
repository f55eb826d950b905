#!/usr/bin/env python3
"""A stand-in for the Zamio CLI that answers from the truth files, to check run-accuracy.sh and the
scorer end to end: every line should come out at 100 % with zero boundary error.
usage: ZAMIO_CLI="python3 scripts/bench/oracle_cli.py" scripts/bench/run-accuracy.sh"""
import json
import os
import sys


def main(argv):
    verb, rest = argv[0], [a for a in argv[1:] if not a.startswith('--')]
    if '--data-dir' in argv:
        rest.remove(argv[argv.index('--data-dir') + 1])
    if verb == 'catalog':
        print(f'oracle: {len(rest) - 1} tracks (ignored)', file=sys.stderr)
    elif verb == 'scan':
        with open(os.path.splitext(rest[0])[0] + '.truth.json', encoding='utf-8') as f:
            truth = json.load(f)
        for p in truth['plays']:
            print(json.dumps({'track': p['track'], 'start': p['start'], 'end': p['end'], 'confidence': 1.0,
                              'speed': p.get('speed', 1.0)}))
    elif verb == 'identify':
        truth = {}
        with open(os.path.join(os.path.dirname(rest[0]), 'truth.jsonl'), encoding='utf-8') as f:
            for line in f:
                r = json.loads(line)
                truth[r['clip']] = r
        for clip in rest:
            r = truth[os.path.splitext(os.path.basename(clip))[0]]
            print(json.dumps({'clip': r['clip'], 'track': r['track'], 'confidence': 1.0 if r['track'] else 0.0,
                              'offset': r['offset'], 'speed': r.get('speed', 1.0)}))
    else:
        sys.exit(f'oracle: unknown verb {verb}')


if __name__ == '__main__':
    main(sys.argv[1:])
