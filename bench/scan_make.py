#!/usr/bin/env python3
# scan_make.py BASE.mp3 BASE.flac OUT N - makes N tagged audio files for the library benchmark by
# copying two short ffmpeg-made files and giving each copy its own tags: MP3 copies get a new
# ID3v2.3 tag in front of the MPEG frames, FLAC copies a new VORBIS_COMMENT block. Files go in
# OUT/Artist NNN/NNNNN Title.ext, 100 per folder. Deterministic.
import os
import random
import struct
import sys

WORDS = ("amber blue cedar dawn ember fern glass harbour indigo juniper kelp lantern meadow "
         "night ocean pine quartz river salt tide umber velvet willow yarrow zephyr echo "
         "falling rising silent golden hollow distant northern paper electric").split()


def id3_frame(fid, text):
    body = b"\x00" + text.encode("latin-1")  # encoding 0: ISO-8859-1 (our tags are ASCII)
    return fid.encode() + struct.pack(">I", len(body)) + b"\x00\x00" + body


def syncsafe(n):
    return bytes([(n >> 21) & 0x7F, (n >> 14) & 0x7F, (n >> 7) & 0x7F, n & 0x7F])


def strip_id3(data):
    if data[:3] == b"ID3":
        size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
        return data[10 + size:]
    return data


def mp3_with_tags(audio, tags):
    frames = b"".join(id3_frame(k, v) for k, v in tags)
    return b"ID3\x03\x00\x00" + syncsafe(len(frames)) + frames + audio


def flac_split(data):
    assert data[:4] == b"fLaC", "not FLAC"
    pos, blocks = 4, []
    while True:
        hdr = data[pos]
        last, kind = hdr & 0x80, hdr & 0x7F
        n = int.from_bytes(data[pos + 1:pos + 4], "big")
        blocks.append((kind, data[pos + 4:pos + 4 + n]))
        pos += 4 + n
        if last:
            return blocks, data[pos:]


def flac_with_tags(blocks, frames, tags):
    vendor = b"soundroom bench"
    vc = struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", len(tags))
    for k, v in tags:
        c = f"{k}={v}".encode()
        vc += struct.pack("<I", len(c)) + c
    keep = [(k, b) for k, b in blocks if k not in (1, 4)] + [(4, vc)]  # drop padding, old tags
    out = b"fLaC"
    for i, (k, b) in enumerate(keep):
        out += bytes([(0x80 if i == len(keep) - 1 else 0) | k]) + len(b).to_bytes(3, "big") + b
    return out + frames


def main():
    base_mp3, base_flac, out, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    mp3 = strip_id3(open(base_mp3, "rb").read())
    blocks, frames = flac_split(open(base_flac, "rb").read())
    rnd = random.Random(42)
    for i in range(n):
        artist = f"{rnd.choice(WORDS).title()} {rnd.choice(WORDS).title()} {i // 100:03d}"
        title = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(2, 4))).title()
        album = f"{rnd.choice(WORDS).title()} {rnd.choice(WORDS).title()}"
        d = os.path.join(out, f"Artist {i // 100:03d}")
        os.makedirs(d, exist_ok=True)
        if i % 2 == 0:
            data = mp3_with_tags(mp3, [("TIT2", title), ("TPE1", artist), ("TALB", album), ("TRCK", str(i % 100 + 1))])
            ext = "mp3"
        else:
            data = flac_with_tags(blocks, frames, [("TITLE", title), ("ARTIST", artist), ("ALBUM", album),
                                                   ("TRACKNUMBER", str(i % 100 + 1)), ("GENRE", "Bench")])
            ext = "flac"
        with open(os.path.join(d, f"{i:05d} {title}.{ext}"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
