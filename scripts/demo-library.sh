#!/usr/bin/env bash
# demo-library.sh DIR - fill DIR with a small playable demo library, unless it has audio already.
# Copies 6 tracks of Debian's singularity-music (CC BY-SA 3.0, see docs/sources.md) and, when
# ffmpeg is present, generates 3 short tagged tracks with cover art (opus, mp3, flac).
# Idempotent: a DIR that holds any audio file is left alone, so a second run is instant.
set -euo pipefail

dir=${1:?usage: demo-library.sh DIR}
music=/usr/share/games/singularity/music
picks=("A New Journey" "Awakening" "Coherence" "Enemy Unknown" "Nebula" "Through Space")

mkdir -p "$dir"
if [ -n "$(find "$dir" -type f \( -iname '*.mp3' -o -iname '*.ogg' -o -iname '*.oga' \
        -o -iname '*.opus' -o -iname '*.flac' -o -iname '*.m4a' -o -iname '*.aac' \
        -o -iname '*.wav' \) -print -quit)" ]; then
    echo "demo-library: $dir already has audio; nothing to do"
    exit 0
fi

# Build in a dot-directory inside DIR (the scanner skips dotfiles) and move the files into
# place at the end, so an interrupted run leaves no half-written track behind.
stage=$(mktemp -d "$dir/.demo-library.XXXXXX")
trap 'rm -rf "$stage"' EXIT
notes=()

# --- singularity-music -------------------------------------------------------------------
if [ ! -d "$music" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends singularity-music >/dev/null 2>&1 ||
        { apt-get update -q >/dev/null 2>&1 &&
          apt-get install -y -q --no-install-recommends singularity-music >/dev/null 2>&1; } ||
        true
fi
copied=0
if [ -d "$music" ]; then
    sub="$stage/Maxstack - Endgame Singularity"
    mkdir -p "$sub"
    for t in "${picks[@]}"; do
        if [ -f "$music/$t.ogg" ]; then cp "$music/$t.ogg" "$sub/"; copied=$((copied + 1)); fi
    done
    # fewer than 6 of the picks (another package version)? take any others
    while IFS= read -r -d '' f; do
        ((copied < 6)) || break
        [ -e "$sub/$(basename "$f")" ] && continue
        cp "$f" "$sub/"; copied=$((copied + 1))
    done < <(find "$music" -maxdepth 1 -name '*.ogg' -print0 | sort -z)
    if [ -f /usr/share/doc/singularity-music/copyright ]; then
        cp /usr/share/doc/singularity-music/copyright "$sub/COPYRIGHT.txt"
    fi
    notes+=("copied $copied tracks from singularity-music (CC BY-SA 3.0, Max McCracken)")
else
    notes+=("singularity-music is not installed (apt-get install singularity-music); copied none")
fi

# --- generated tracks ----------------------------------------------------------------------
# melody ROOT_HZ NOTES_PER_S: an arpeggio over I-vi-IV-V (one chord per 8 notes) with a bass.
melody() {
    local root=$1 rate=$2
    local bar="(8/$rate)"
    printf '%s' "st(0,floor(mod(t/$bar,4)));" \
        "st(1,-3*eq(ld(0),1)-7*eq(ld(0),2)-5*eq(ld(0),3));" \
        "st(2,floor(mod(t*$rate,8)));st(3,4-eq(ld(0),1));" \
        "st(4,ld(3)*(eq(ld(2),1)+eq(ld(2),7))+7*(eq(ld(2),2)+eq(ld(2),6))" \
        "+12*(eq(ld(2),3)+eq(ld(2),5))+(12+ld(3))*eq(ld(2),4));" \
        "0.55*pow(1-mod(t*$rate,1),3)*sin(2*PI*$root*pow(2,(ld(1)+ld(4))/12)*t)" \
        "+0.4*sin(PI*mod(t/$bar,1))*sin(2*PI*($root/4)*pow(2,ld(1)/12)*t)"
}

generated=0
if command -v ffmpeg >/dev/null 2>&1; then
    ff=(ffmpeg -hide_banner -loglevel error -nostdin -y)
    album=(-metadata "artist=soundroom demo" -metadata "album=Synthetic Sketches")
    # Ogg/Opus keeps its tags on the audio stream, not the container
    oalbum=(-metadata:s:a:0 "artist=soundroom demo" -metadata:s:a:0 "album=Synthetic Sketches")
    # track NAME DURATION ROOT_HZ RATE: the audio, faded, to $stage/NAME.wav
    track() {
        local name=$1 d=$2 root=$3 rate=$4
        "${ff[@]}" -f lavfi -i "aevalsrc=exprs='$(melody "$root" "$rate")':s=44100:d=$d" \
            -af "aecho=0.8:0.6:$((1000 * 3 / (2 * rate))):0.3,afade=t=in:d=1,afade=t=out:st=$((d - 3)):d=3" \
            -ac 2 "$stage/$name.wav"
    }
    gen="$stage/soundroom demo"
    mkdir -p "$gen"
    "${ff[@]}" -f lavfi -i mandelbrot=s=300x300 -frames:v 1 "$stage/cover.jpg"
    "${ff[@]}" -f lavfi -i gradients=s=300x300 -frames:v 1 "$stage/cover.png" 2>/dev/null ||
        "${ff[@]}" -f lavfi -i testsrc2=s=300x300 -frames:v 1 "$stage/cover.png"

    track a 48 440 4
    "${ff[@]}" -i "$stage/a.wav" -c:a libopus -b:a 96k "${oalbum[@]}" \
        -metadata:s:a:0 "title=Morning Arpeggio" -metadata:s:a:0 "track=1" \
        "$gen/01 Morning Arpeggio.opus"
    track b 64 392 3
    "${ff[@]}" -i "$stage/b.wav" -i "$stage/cover.jpg" -map 0:a -map 1:v -c:a libmp3lame \
        -q:a 4 -c:v copy -disposition:v attached_pic -id3v2_version 3 "${album[@]}" \
        -metadata "title=Fractal Walk" -metadata "track=2" \
        -metadata:s:v "title=Album cover" -metadata:s:v "comment=Cover (front)" \
        "$gen/02 Fractal Walk.mp3"
    track c 80 330 5
    "${ff[@]}" -i "$stage/c.wav" -i "$stage/cover.png" -map 0:a -map 1:v -c:a flac \
        -c:v copy -disposition:v attached_pic "${album[@]}" \
        -metadata "title=Gradient Drift" -metadata "track=3" \
        -metadata:s:v "comment=Cover (front)" \
        "$gen/03 Gradient Drift.flac"
    rm -f "$stage"/*.wav "$stage"/cover.*
    generated=3
    notes+=("generated $generated tagged tracks with covers (opus, mp3, flac)")
else
    notes+=("ffmpeg is absent: generated none")
fi

# --- move into place -----------------------------------------------------------------------
for d in "$stage"/*; do
    [ -e "$d" ] || continue
    rm -rf "${dir:?}/$(basename "$d")"
    mv "$d" "$dir/"
done
echo "demo-library: $dir: ${notes[0]}; ${notes[1]}"
