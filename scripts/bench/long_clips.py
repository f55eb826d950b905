"""Long clips (30, 60, 90 s) cut from a benchmark set's catalogue and unknown music, and their scoring.

make: python3 long_clips.py make SET_DIR MUSIC_CACHE OUT_DIR   (seeded; ffmpeg, 16 kHz mono WAV)
score: python3 long_clips.py score OUT_DIR RESULTS.jsonl
A known clip is right when it names its track (and "at its position" when the offset is within 1.5 s of the cut;
a looped song can be named at another pass through the same music); an unknown one when it is answered null.
"""
import collections
import json
import os
import random
import subprocess
import sys

LENGTHS = (30, 60, 90)


def make(set_dir, cache, out):
    split = json.load(open(os.path.join(set_dir, 'split.json')))
    rng = random.Random(20261129)
    truth = []
    for kind, tracks in (('known', split['catalog']), ('unknown', split['unknown'])):
        for t in tracks:
            src = os.path.join(set_dir, 'catalog', t['id'] + '.wav') if kind == 'known' else os.path.join(cache, 'x', t['source'])
            for length in LENGTHS:
                if t['duration'] < length + 20:
                    continue
                start = round(rng.uniform(5, t['duration'] - length - 5), 2)
                name = f"{kind}-{t['id']}-{length}"
                subprocess.run(['ffmpeg', '-v', 'error', '-y', '-ss', str(start), '-t', str(length), '-i', src,
                                '-ac', '1', '-ar', '16000', os.path.join(out, name + '.wav')], check=True)
                truth.append({'clip': name, 'kind': kind, 'track': t['id'] if kind == 'known' else None,
                              'length': length, 'offset': start})
    with open(os.path.join(out, 'truth.jsonl'), 'w') as f:
        for row in truth:
            f.write(json.dumps(row) + '\n')


def score(out, results):
    truth = {r['clip']: r for r in map(json.loads, open(os.path.join(out, 'truth.jsonl')))}
    tally = collections.defaultdict(collections.Counter)
    for r in map(json.loads, open(results)):
        t = truth[r['clip']]
        key = (t['kind'], t['length'])
        if t['kind'] == 'unknown':
            tally[key]['right' if r['track'] is None else 'false answer'] += 1
        elif r['track'] is None:
            tally[key]['null'] += 1
        elif r['track'] != t['track']:
            tally[key]['other track'] += 1
        else:
            tally[key]['right'] += 1
            tally[key]['at its position' if abs(r['offset'] - t['offset']) <= 1.5 else 'another pass'] += 1
    print(f"{'clips':<16}{'n':>5}{'right':>8}  detail")
    for (kind, length), c in sorted(tally.items()):
        n = sum(v for k, v in c.items() if k in ('right', 'null', 'other track', 'false answer'))
        detail = ', '.join(f'{k} {v}' for k, v in sorted(c.items()) if k != 'right')
        print(f"{kind + ' ' + str(length) + ' s':<16}{n:>5}{100 * c['right'] / n:>7.1f}%  {detail}")


if __name__ == '__main__':
    {'make': lambda a: make(*a), 'score': lambda a: score(*a)}[sys.argv[1]](sys.argv[2:])
