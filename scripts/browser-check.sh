#!/usr/bin/env bash
# Loads a report's index.html in headless Chromium, takes a screenshot and
# checks that the page loaded no resource (it must reference none), that
# every chart is in the rendered DOM, and that the charts are visible (the
# screenshot is not blank and shows the charts' colours).
#
# Usage: scripts/browser-check.sh [REPORT_DIR]
#   Without REPORT_DIR, runs the Tailspin scenario (20 replications) into
#   target/browser-check/tailspin first. Needs `chromium` (Debian package
#   `chromium`) and python3 (standard library only).
# Writes target/browser-check/screenshot.png, dom.html and chromium.log.
set -euo pipefail
cd "$(dirname "$0")/.."

out=target/browser-check
mkdir -p "$out"
dir=${1:-}
if [ -z "$dir" ]; then
    dir=$out/tailspin
    cargo run --release --quiet -- run scenarios/tailspin.yaml --replications 20 --quiet --out "$dir" >/dev/null
fi
page=$(cd "$dir" && pwd)/index.html
test -s "$page" || { echo "browser-check: no $page" >&2; exit 1; }
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "browser-check: chromium not found" >&2; exit 1; }

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --disable-dev-shm-usage --hide-scrollbars --user-data-dir="$profile")

rm -f "$out/screenshot.png"
timeout 120 "$browser" "${flags[@]}" --enable-logging=stderr --v=1 \
    --screenshot="$(pwd)/$out/screenshot.png" --window-size=1280,4000 \
    "file://$page" >"$out/chromium.log" 2>&1 || true
timeout 120 "$browser" "${flags[@]}" --dump-dom "file://$page" >"$out/dom.html" 2>/dev/null || true

python3 - "$page" "$out/dom.html" "$out/chromium.log" "$out/screenshot.png" <<'PY'
import re, struct, sys, zlib

page, dom_path, log_path, shot = sys.argv[1:5]
fail = []
src = open(page, encoding="utf-8").read()
dom = open(dom_path, encoding="utf-8", errors="replace").read()
log = open(log_path, encoding="utf-8", errors="replace").read()

# 1. No resource: the page references none, and Chromium reports no failed load.
for bad in ("http://", "https://", "<script", "<link", "<img", "<iframe", "url(", "@import", " src="):
    if bad in src:
        fail.append(f"index.html contains {bad!r}")
# (Chromium's own services may log network errors of their own: only the
# page's loads and console count.)
for line in log.splitlines():
    ours = "file://" in line or "CONSOLE" in line
    if re.search(r"Failed to load resource|Not allowed to load local resource", line) or (
        ours and re.search(r"net::ERR_|Uncaught|Refused to", line)
    ):
        fail.append("chromium: " + line.strip()[:200])
    # Every file Chromium opens is logged (at --v=1): only the page itself may be.
    m = re.search(r"FileURLLoader::Start: (\S+)", line)
    if m and m.group(1) != "file://" + page:
        fail.append("the page loaded another file: " + m.group(1))
loads = sum("FileURLLoader::Start: file://" + page in l for l in log.splitlines())
if loads == 0:
    fail.append("chromium did not log loading the page (is --v=1 logging working?)")

# 2. Every chart of the page is in the rendered DOM.
want = src.count("<figure")
got = len(re.findall(r"<figure", dom))
svgs = len(re.findall(r"<svg", dom))
if want == 0 or got != want or svgs < want:
    fail.append(f"DOM has {got} figures / {svgs} svgs, page has {want} figures")

# 3. The screenshot is a real picture showing the charts' colours.
def decode_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, w = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    if depth != 8 or ctype not in (2, 6):
        raise ValueError(f"unsupported PNG (depth {depth}, colour type {ctype})")
    bpp = 3 if ctype == 2 else 4
    raw, stride = zlib.decompress(idat), w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows

try:
    w, h, bpp, rows = decode_png(shot)
except Exception as e:
    fail.append(f"screenshot: {e}")
else:
    colours, blue, orange = set(), 0, 0
    for y in range(0, h, 2):
        r = rows[y]
        for x in range(0, w * bpp, bpp * 2):
            px = (r[x], r[x + 1], r[x + 2])
            colours.add(px)
            if abs(px[0] - 0x00) < 24 and abs(px[1] - 0x72) < 24 and abs(px[2] - 0xB2) < 24:
                blue += 1
            if abs(px[0] - 0xE6) < 24 and abs(px[1] - 0x9F) < 24 and abs(px[2] - 0x00) < 24:
                orange += 1
    print(f"screenshot {w}x{h}: {len(colours)} colours, {blue} blue and {orange} orange chart pixels (sampled)")
    if len(colours) < 16:
        fail.append("screenshot is blank (fewer than 16 colours)")
    if blue < 500:
        fail.append("screenshot shows no chart (too few pixels in the charts' blue)")

print(f"page {page}: {want} figures, {svgs} inline SVGs in the rendered DOM")
if fail:
    print("browser-check FAILED:\n  " + "\n  ".join(fail))
    sys.exit(1)
print("browser-check ok")
PY
