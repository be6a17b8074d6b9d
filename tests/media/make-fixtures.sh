#!/usr/bin/env bash
# make-fixtures.sh OUT - a small music library of real third-party music for the media tests.
#
# Copies a few files from Debian's game and theme music packages (installed by scripts/deps.sh:
# xmoto-data, asc-music, sound-theme-freedesktop), makes copies transcoded with ffmpeg to FLAC,
# Opus, M4A (AAC) and MP3 with tags and cover art, and adds files that must be skipped: corrupt,
# truncated and zero-length. Does nothing when OUT/.complete exists. The packages' copyright
# files are copied beside the music (the music is not stored in this repository):
#   xmoto-data: X-Moto soundtrack (GPL-2+ / free licences, see COPYRIGHT-xmoto-data.txt)
#   asc-music: Advanced Strategic Command music (see COPYRIGHT-asc-music.txt)
#   sound-theme-freedesktop: freedesktop.org sound theme (see COPYRIGHT-sound-theme-freedesktop.txt)
set -euo pipefail
OUT=${1:?usage: make-fixtures.sh OUT}
[ -f "$OUT/.complete" ] && exit 0
XM=/usr/share/games/xmoto/Textures/Musics
ASC=/usr/share/games/asc/music
FD=/usr/share/sounds/freedesktop/stereo
for f in "$XM/foxrun.ogg" "$XM/MadeiraStew.ogg" "$ASC/machine_wars.mp3" "$FD/bell.oga" "$FD/complete.oga"; do
    [ -f "$f" ] || { echo "make-fixtures: $f missing (run scripts/deps.sh)" >&2; exit 1; }
done
TMP="$OUT.tmp.$$"
rm -rf "$TMP"
mkdir -p "$TMP/originals" "$TMP/transcoded" "$TMP/broken"
for p in xmoto-data asc-music sound-theme-freedesktop; do
    cp "/usr/share/doc/$p/copyright" "$TMP/COPYRIGHT-$p.txt"
done
# 1. originals, byte for byte
cp "$XM/foxrun.ogg" "$XM/MadeiraStew.ogg" "$ASC/machine_wars.mp3" "$FD/bell.oga" "$FD/complete.oga" "$TMP/originals/"
# 2. transcoded copies of a 20 s clip of foxrun.ogg, each with its own tags and covers
FF=(ffmpeg -hide_banner -loglevel error -nostdin -y)
SRC="$XM/foxrun.ogg"
"${FF[@]}" -f lavfi -i "testsrc=s=320x320:d=1" -frames:v 1 "$TMP/cover.png"
"${FF[@]}" -f lavfi -i "mandelbrot=s=300x300" -frames:v 1 "$TMP/cover.jpg"
# tags SPEC TITLE ALBUM TRACK: sets T to ffmpeg metadata options (SPEC: -metadata or -metadata:s:a:0)
tags() {
    T=("$1" "title=$2" "$1" "artist=Cubulo" "$1" "album=$3" "$1" "album_artist=X-Moto"
       "$1" "genre=Soundtrack" "$1" "date=2009" "$1" "track=$4")
}
# FLAC: Vorbis comments and a PNG picture
tags -metadata "Fox Run (FLAC)" "Soundtrax" 1
"${FF[@]}" -t 20 -i "$SRC" -i "$TMP/cover.png" -map 0:a -map 1:v -c:a flac -c:v png -disposition:v attached_pic \
    "${T[@]}" "$TMP/transcoded/foxrun.flac"
# Opus: stream-level tags (Ogg keeps them on the stream), no picture
tags -metadata:s:a:0 "Fox Run (Opus)" "Soundtrax" 2
"${FF[@]}" -t 20 -i "$SRC" -map 0:a -c:a libopus -b:a 64k "${T[@]}" "$TMP/transcoded/foxrun.opus"
# M4A: AAC with MP4 tags and a JPEG cover
tags -metadata "Fox Run (M4A)" "Soundtrax" 3
"${FF[@]}" -t 20 -i "$SRC" -i "$TMP/cover.jpg" -map 0:a -map 1:v -c:a aac -b:a 96k -c:v mjpeg -disposition:v attached_pic \
    "${T[@]}" "$TMP/transcoded/foxrun.m4a"
# MP3: ID3v2.3 tags with UTF-8 outside ASCII and a JPEG cover
tags -metadata "Füchse rennen" "Bande Sonore Été" 4
"${FF[@]}" -t 20 -i "$SRC" -i "$TMP/cover.jpg" -map 0:a -map 1:v -c:a libmp3lame -b:a 96k -c:v mjpeg -id3v2_version 3 \
    -disposition:v attached_pic -metadata:s:v title="Front cover" -metadata:s:v comment="Cover (front)" \
    "${T[@]}" "$TMP/transcoded/foxrun.mp3"
rm "$TMP/cover.png" "$TMP/cover.jpg"
# 3. files that must be skipped
: > "$TMP/broken/zero.mp3"
head -c 60 "$TMP/transcoded/foxrun.flac" > "$TMP/broken/truncated.flac"
head -c 8192 /usr/bin/env > "$TMP/broken/corrupt.ogg"
printf 'ID3\x03\x00\x00\x00\x00\x00\x0anot really an mp3 at all' > "$TMP/broken/fake.mp3"
touch "$TMP/.complete"
rm -rf "$OUT"
mv "$TMP" "$OUT"
