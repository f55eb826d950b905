"""Audio helpers for make_dataset.py: thin wrappers around sox/ffmpeg/espeak-ng (stdlib only)."""
import array
import json
import math
import os
import random
import shutil
import subprocess
import sys
import wave

SR = 44100          # every generated file: mono, 16-bit, 44.1 kHz
TARGET_RMS = -20.0  # dBFS level items are brought to before mixing


def run(cmd):
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"command failed ({res.returncode}): {' '.join(cmd)}\n{res.stderr[-2000:]}")
    return res


def sox(*args):
    # -R: repeatable noise and dither, so one seed always gives the same bytes
    return run(['sox', '-R', '-V1', *[str(a) for a in args]])


def ffmpeg(*args):
    return run(['ffmpeg', '-nostdin', '-hide_banner', '-loglevel', 'error', '-y', *[str(a) for a in args]])


def probe_duration(path):
    res = subprocess.run(['ffprobe', '-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        return float(res.stdout.strip())
    except ValueError:
        return 0.0


def stats(path):
    """(rms dBFS, peak dBFS) from sox stats."""
    res = run(['sox', '-V1', path, '-n', 'stats'])
    rms = peak = -90.0
    for line in res.stderr.splitlines():
        parts = line.split()
        if line.startswith('RMS lev dB'):
            rms = float(parts[3])
        elif line.startswith('Pk lev dB'):
            peak = float(parts[3])
    return (rms if math.isfinite(rms) else -90.0), (peak if math.isfinite(peak) else -90.0)


def rms_db(path):
    return stats(path)[0]


def num_samples(path):
    with wave.open(path, 'rb') as w:
        return w.getnframes()


def link_or_copy(src, dst):
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def decode_track(track, cache_dir):
    """Decodes a source file once to mono 44.1 kHz WAV in the shared cache; returns path and levels."""
    folder = os.path.join(cache_dir, 'decoded')
    os.makedirs(folder, exist_ok=True)
    wav = os.path.join(folder, track['id'] + '.wav')
    meta = os.path.join(folder, track['id'] + '.json')
    if os.path.exists(meta):
        with open(meta, encoding='utf-8') as f:
            info = json.load(f)
        if info.get('source') == track['path'] and os.path.exists(wav):
            if 'audible' not in info:  # caches from before the audible extent was kept
                info['audible'] = audible_extent(wav)
                with open(meta, 'w', encoding='utf-8') as f:
                    json.dump(info, f)
            return {**info, 'wav': wav}  # the cache may have moved; never trust a stored path
    ffmpeg('-i', track['path'], '-vn', '-ac', '1', '-ar', SR, '-c:a', 'pcm_s16le', '-map_metadata', '-1',
           '-fflags', '+bitexact', wav)
    rms, peak = stats(wav)
    info = {'source': track['path'], 'wav': wav, 'rms': rms, 'peak': peak, 'audible': audible_extent(wav)}
    with open(meta, 'w', encoding='utf-8') as f:
        json.dump(info, f)
    return info


def audible_extent(path, floor_db=-50.0, window_s=0.05):
    """[first, last] second of a mono 16-bit WAV with a 50 ms peak above floor_db. Silence a track starts or ends
    with airs as dead air, not as the recording: nothing can identify it, so truth and clips leave it out."""
    with wave.open(path, 'rb') as w:
        rate = w.getframerate()
        pcm = array.array('h')
        pcm.frombytes(w.readframes(w.getnframes()))
    if sys.byteorder == 'big':
        pcm.byteswap()
    floor = 32768 * 10 ** (floor_db / 20)
    step = max(1, int(rate * window_s))
    loud = [i for i in range(0, len(pcm), step) if max(map(abs, pcm[i:i + step])) > floor]
    if not loud:
        return [0.0, 0.0]
    return [round(loud[0] / rate, 3), round(min(len(pcm), loud[-1] + step) / rate, 3)]


def envelope(path, cache_dir):
    """10 Hz loudness envelope (dB) from a 1 kHz decode; enough to spot two copies of one recording."""
    res = subprocess.run(['ffmpeg', '-nostdin', '-loglevel', 'error', '-i', path, '-ac', '1', '-ar', '1000',
                          '-f', 's16le', '-'], stdout=subprocess.PIPE, check=True)
    pcm = array.array('h')
    pcm.frombytes(res.stdout)
    env = []
    for i in range(0, len(pcm) - 100, 100):
        frame = pcm[i:i + 100]
        env.append(10 * math.log10(sum(s * s for s in frame) / 100 + 1.0))
    return env


def envelope_similarity(a, b, cache_dir):
    ea, eb = envelope(a, cache_dir), envelope(b, cache_dir)
    n = min(len(ea), len(eb))
    if n < 10:
        return 0.0
    ea, eb = ea[:n], eb[:n]
    ma, mb = sum(ea) / n, sum(eb) / n
    cov = sum((x - ma) * (y - mb) for x, y in zip(ea, eb))
    va = math.sqrt(sum((x - ma) ** 2 for x in ea))
    vb = math.sqrt(sum((y - mb) ** 2 for y in eb))
    return cov / (va * vb) if va > 0 and vb > 0 else 0.0


def speed_effects(speed, tempo):
    fx = []
    if speed != 1.0:
        fx += ['speed', speed]        # pitch and tempo together, like a radio playout speed-up
    if tempo != 1.0:
        fx += ['tempo', '-m', tempo]  # time-stretch, pitch unchanged
    return fx


def level_gain(rms, peak, target):
    """Gain that brings rms to target without pushing peaks over -0.5 dBFS."""
    return min(target - rms, -0.5 - peak)


def render_music(src_wav, out, item, track_rms, track_peak):
    tmp = out + '.raw.wav'
    sox(src_wav, tmp, 'trim', item['offset'], item['len'], *speed_effects(item['speed'], item['tempo']),
        'rate', '-v', SR)
    gain = level_gain(track_rms, track_peak, TARGET_RMS + item['gain_jitter'])
    sox(tmp, out, 'fade', 'q', round(item['fade_in'], 3), '-0', round(item['fade_out'], 3), 'gain', round(gain, 2))
    os.remove(tmp)


def speak(path, text, voice, wpm, pitch):
    run(['espeak-ng', '-v', voice, '-s', str(wpm), '-p', str(pitch), '-w', path, text])


def render_speech(out, item, texts, level, work):
    rng = random.Random(item['seed'])
    tmp = out + '.tts.wav'
    wpm = rng.randint(140, 185)
    speak(tmp, texts.text(item['len'] * 1.4 + 2, rng), texts.voice(rng), wpm, rng.randint(25, 70))
    cut = out + '.cut.wav'
    sox(tmp, cut, 'rate', '-v', SR, 'trim', 0, round(item['len'], 3), 'fade', 'q', 0.02, '-0', 0.3)
    rms, peak = stats(cut)
    target = level if level is not None else TARGET_RMS + item['gain_jitter']
    sox(cut, out, 'gain', round(min(target - rms, -0.5 - peak), 2))
    os.remove(tmp)
    os.remove(cut)


NOTE_TYPES = ['pluck', 'square', 'sawtooth', 'triangle', 'sine']
CHORDS = [(0, 4, 7), (0, 3, 7), (0, 5, 9), (-2, 2, 5), (0, 4, 9), (0, 7, 12)]


def render_jingle(out, item, texts, work):
    """Chord stabs and sweeps from sox synth; longer ones get a spoken tag line, like a radio ad."""
    rng = random.Random(item['seed'])
    parts, total, n = [], 0.0, 0
    key = rng.randint(-9, 6)
    wave_type = rng.choice(NOTE_TYPES)
    while total < item['len']:
        part = f'{out}.p{n}.wav'
        n += 1
        if rng.random() < 0.25:
            d = rng.uniform(0.5, 2.0)
            lo, hi = rng.randint(150, 600), rng.randint(1500, 5000)
            sweep = f'{lo}/{hi}' if rng.random() < 0.5 else f'{hi}/{lo}'
            sox('-r', SR, '-c', 1, '-n', '-b', 16, part, 'synth', round(d, 3), rng.choice(['sine', 'square']), sweep,
                'fade', 'q', 0.02, '-0', 0.1, 'gain', -8)
        else:
            d = rng.uniform(0.3, 1.8)
            chord = rng.choice(CHORDS)
            notes = [x for c in chord for x in (wave_type, f'%{key + c}')]
            sox('-r', SR, '-c', 3, '-n', '-c', 1, '-b', 16, part, 'synth', round(d, 3), *notes, 'remix', '-',
                'fade', 'q', 0.01, '-0', round(min(0.3, d / 2), 3), 'gain', -6)
        parts.append(part)
        total += d
        if rng.random() < 0.3:
            key += rng.choice([-5, -2, 2, 5, 7])
    bed = out + '.bed.wav'
    fx = ['trim', 0, round(item['len'], 3), 'fade', 'q', 0.02, '-0', 0.4]
    if rng.random() < 0.5:
        fx += ['echo', 0.8, 0.7, rng.randint(60, 250), 0.3]
    sox(*parts, bed, *fx)
    for p in parts:
        os.remove(p)
    if item['len'] >= 8 and rng.random() < 0.6:
        voice = out + '.voice.wav'
        render_speech(voice, {'len': item['len'] - 1.5, 'seed': rng.randrange(1 << 30), 'gain_jitter': 0},
                      texts, TARGET_RMS + 3, work)
        mixed = out + '.mix.wav'
        sox('-m', '-v', 0.5, bed, '-v', 1, voice, mixed, 'trim', 0, round(item['len'], 3))
        os.replace(mixed, bed)
        os.remove(voice)
    rms, peak = stats(bed)
    sox(bed, out, 'gain', round(level_gain(rms, peak, TARGET_RMS + item['gain_jitter']), 2))
    os.remove(bed)


def mix_items(items, out, work):
    """Lays items on lanes of non-overlapping audio (exact sample positions), then sums the lanes."""
    lanes = []  # each: [end_sample, [items]]
    for it in sorted(items, key=lambda x: x['s0']):
        for lane in lanes:
            if lane[0] <= it['s0']:
                break
        else:
            lane = [0, []]
            lanes.append(lane)
        lane[1].append(it)
        lane[0] = it['s0'] + it['samples']
    lane_files = []
    for n, (_, lane_items) in enumerate(lanes):
        path = os.path.join(work, f'lane{n}.wav')
        with wave.open(path, 'wb') as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(SR)
            pos = 0
            for it in lane_items:
                gap = it['s0'] - pos
                w.writeframes(b'\0\0' * gap)
                with wave.open(it['file'], 'rb') as r:
                    w.writeframes(r.readframes(r.getnframes()))
                pos = it['s0'] + it['samples']
        lane_files.append(path)
    if len(lane_files) == 1:
        sox(lane_files[0], out, 'gain', '-n', -1)
        return
    args = []
    for f in lane_files:
        args += ['-v', 0.5, f]  # headroom for overlaps; normalised again below
    sox('-m', *args, out, 'gain', '-n', -1)


def add_noise(inp, out, snr_db, kind, work):
    duration = num_samples(inp) / SR
    noise = os.path.join(work, 'noise.wav')
    sox('-r', SR, '-c', 1, '-n', '-b', 16, noise, 'synth', round(duration, 3), kind)
    sig_rms, _ = stats(inp)
    noise_rms, _ = stats(noise)
    factor = 10 ** ((sig_rms - snr_db - noise_rms) / 20)
    sox('-m', '-v', 0.5, inp, '-v', round(0.5 * factor, 6), noise, out, 'trim', '0s', f'{num_samples(inp)}s',
        'gain', '-n', -1)
    os.remove(noise)


def codec_roundtrip(inp, out, ext, codec_args, work):
    enc = os.path.join(work, 'enc.' + ext)
    ffmpeg('-i', inp, *codec_args, enc)
    ffmpeg('-i', enc, '-ac', '1', '-ar', SR, '-c:a', 'pcm_s16le', '-fflags', '+bitexact', out)
    os.remove(enc)


def apply_condition(inp, out, cond, prof, rng, work):
    """Whole-file degradation; returns a one-line description for the truth file."""
    tmp = os.path.join(work, 'cond.wav')
    if cond in ('clean', 'speed-up', 'tempo'):
        sox(inp, '-b', 16, out)
        return {'clean': 'no processing', 'speed-up': 'per-song speed (pitch+tempo), see plays[].speed',
                'tempo': 'per-song tempo (pitch kept), see plays[].tempo'}[cond]
    if cond == 'fm':
        fm = prof['fm']
        # multiband compression + EQ + limiter + stereo-coder lowpass, then a 128k stream encode
        sox(inp, tmp, 'mcompand', '0.005,0.1 -47,-40,-34,-34,-17,-33,0,0', 1600,
            '0.000625,0.0125 -47,-40,-34,-34,-15,-33,0,0', 'bass', f"+{fm['bass']}", 'treble', f"+{fm['treble']}",
            'compand', '0.002,0.05', '-90,-90,-6,-6,0,-2', 0, -90, 0, 'lowpass', fm['lowpass'], 'gain', '-n', -0.5)
        codec_roundtrip(tmp, out, 'mp3', ['-c:a', 'libmp3lame', '-b:a', '128k'], work)
        os.remove(tmp)
        return f"mcompand 2-band + bass +{fm['bass']} dB + treble +{fm['treble']} dB + limiter + lowpass " \
               f"{fm['lowpass']} Hz, mp3 128k"
    if cond == 'mp3-64k':
        kbps = prof['mp3_kbps']
        codec_roundtrip(inp, out, 'mp3', ['-c:a', 'libmp3lame', '-b:a', f'{kbps}k'], work)
        return f'mp3 {kbps}k re-encode'
    if cond == 'opus':
        codec_roundtrip(inp, out, 'opus', ['-c:a', 'libopus', '-b:a', '32k'], work)
        return 'opus 32k re-encode'
    if cond == 'aac':
        codec_roundtrip(inp, out, 'm4a', ['-c:a', 'aac', '-b:a', '64k'], work)
        return 'aac 64k re-encode'
    if cond == 'noisy10':
        snr = round(rng.uniform(*prof['snr']), 2)
        add_noise(inp, out, snr, prof['noise'], work)
        return f"{prof['noise']} at {snr} dB SNR"
    if cond == 'telephone':
        band = os.path.join(work, 'band.wav')
        sox(inp, band, 'highpass', 300, 'lowpass', 3400, 'rate', 8000)
        sox(band, '-e', 'u-law', tmp)
        sox(tmp, '-e', 'signed-integer', '-b', 16, out, 'rate', SR)
        os.remove(band)
        os.remove(tmp)
        return 'highpass 300 + lowpass 3400, 8 kHz mu-law, back to 16 bit'
    if cond == 'room':
        room = prof['room']
        sox(inp, tmp, 'equalizer', room['low'], '1q', '+5', 'equalizer', room['high'], '1.5q', '-6',
            'highpass', 90, 'reverb', room['reverb'], 50, 70, 'lowpass', 9000,
            'trim', '0s', f'{num_samples(inp)}s', 'gain', '-n', -3)
        add_noise(tmp, out, room['snr'], 'brownnoise', work)
        os.remove(tmp)
        return f"speaker EQ + reverb {room['reverb']} + lowpass 9 kHz + brown noise at {room['snr']} dB SNR"
    raise ValueError(f'unknown condition {cond}')


def cut_clip(src_wav, out, spec):
    src_len = spec['length'] * spec['speed'] * spec['tempo']
    sox(src_wav, out, 'trim', spec['offset'], round(src_len, 4), *speed_effects(spec['speed'], spec['tempo']),
        'rate', '-v', SR, 'trim', 0, spec['length'], 'gain', '-n', -1)
