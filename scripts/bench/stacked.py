"""Degrades a programme through several of the benchmark's conditions in turn (each as make_dataset.py applies it
alone), for stacked.sh. Every condition keeps the timeline, so the programme's truth still holds.
usage: stacked.py IN.wav OUT.wav PROFILE SEED COND[,COND...]    (COND: fm, mp3-64k, opus, aac, noisyN, room, telephone)
"""
import os
import random
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_audio  # noqa: E402
from make_dataset import PROFILES  # noqa: E402


def main():
    src, out, profile, seed, chain = sys.argv[1:6]
    prof = dict(PROFILES[profile])
    rng = random.Random(int(seed))
    work = tempfile.mkdtemp(prefix='zamio-stacked-')
    try:
        cur = src
        steps = []
        for i, cond in enumerate(chain.split(',')):
            nxt = os.path.join(work, f'step{i}.wav')
            if cond.startswith('noisy') and cond != 'noisy10':
                # noisyN: the profile's noise colour at N dB SNR
                snr = float(cond[len('noisy'):])
                prof['snr'] = (snr, snr)
                cond = 'noisy10'
            steps.append(bench_audio.apply_condition(cur, nxt, cond, prof, rng, work))
            cur = nxt
        shutil.move(cur, out)
        print('; then '.join(steps))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
