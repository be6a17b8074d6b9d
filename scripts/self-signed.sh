#!/usr/bin/env bash
# self-signed.sh DIR - makes DIR/cert.pem and DIR/key.pem, a self-signed certificate for
# `make run TLS=1` (phones on the local network need https for service workers, wake locks and
# notifications). Valid for localhost, 127.0.0.1 and this machine's addresses (hostname -I).
# Leaves an existing pair alone. Needs Debian's openssl.
set -euo pipefail
dir=${1:-data/tls}
if [ -f "$dir/cert.pem" ] && [ -f "$dir/key.pem" ]; then exit 0; fi
command -v openssl >/dev/null || { echo "self-signed: openssl is missing (apt-get install openssl)" >&2; exit 1; }
mkdir -p "$dir"
san="DNS:localhost,IP:127.0.0.1,IP:::1"
for ip in $(hostname -I 2>/dev/null || true); do
    case "$ip" in 127.0.0.1|::1) ;; *) san="$san,IP:$ip" ;; esac
done
umask 077
openssl req -x509 -newkey rsa:2048 -sha256 -nodes -days 825 \
    -keyout "$dir/key.pem.tmp" -out "$dir/cert.pem.tmp" \
    -subj "/CN=soundroom ($(hostname))" -addext "subjectAltName=$san" 2>/dev/null
mv "$dir/key.pem.tmp" "$dir/key.pem"
mv "$dir/cert.pem.tmp" "$dir/cert.pem"
echo "self-signed: $dir/cert.pem for $san"
