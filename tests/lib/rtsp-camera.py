#!/usr/bin/python3
"""A real RTSP server for the tests: GStreamer's RTSP server with one
videotestsrc camera per mount, each a distinct solid colour, H264
(x264enc zerolatency, keyframe every 30 frames, SPS/PPS before every IDR)
or H265 (x265enc zerolatency, no B-frames, keyframe every 30 frames: an
IDR first, then CRAs, each after VPS/SPS/PPS), optionally with audio: a
sine tone of the mount's own frequency, so a test can tell whom it hears.

  rtsp-camera.py [--port 0] [--mounts camera1,camera2] [--user U --password P]
                 [--width 640 --height 480 --fps 15]

--mounts: comma-separated NAME[:KIND[:AUDIO]], KIND one of
  h264       (default, also when empty) /NAME, H264, WIDTHxHEIGHT
  h265       /NAME, H265 (main profile), WIDTHxHEIGHT
  main+sub   a camera with two streams, as real ones have:
             /NAME/main H265 WIDTHxHEIGHT and /NAME/sub H264 at half size
             (rounded down to even), both in that camera's colour
and AUDIO one of
  none       (default) video only
  opus       opusenc, 48 kHz stereo, 20 ms frames, rtpopuspay PT 111
  pcma       alawenc, 8 kHz mono, 20 ms (160-byte) packets, rtppcmapay PT 8
  pcmu       mulawenc, 8 kHz mono, 20 ms (160-byte) packets, rtppcmupay PT 0
  aac        avenc_aac (gstreamer1.0-libav) AAC-LC, 48 kHz mono,
             rtpmp4gpay (mpeg4-generic, RFC 3640, AAC-hbr) PT 97
e.g. --mounts camera1,camera2:h265,camera3:main+sub,camera4:h264:opus,
camera5::pcma. Colours follow the order of the mount specs (a main+sub
camera takes one colour). The tone of the mount spec at index i (0-based,
in --mounts order) is a sine of 300 + 150 * i Hz (audiotestsrc is-live=true
wave=sine): camera1 300 Hz, camera2 450 Hz, camera3 600 Hz, ...; a
main+sub camera has its tone on both streams.

Prints on stdout, one line each, flushed:
  AUDIO <mount> <codec> <freq>  one per mount with audio, before READY
                                (mount without its leading '/', e.g.
                                camera3/main), freq in Hz
  READY <port>                  serving
  CONNECT <client-id> <ip>      an RTSP client connected
  SESSION <client-id>           an RTSP session was created for that client
  PLAY <client-id> <path>       the client started playing a mount
  CLOSE <client-id>             the client's connection closed
Exits cleanly (code 0) on SIGTERM or SIGINT.
"""
import argparse
import signal
import sys

import gi
gi.require_version('Gst', '1.0')
gi.require_version('GstRtspServer', '1.0')
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

# ARGB colours, one per mount in order.
COLOURS = [0xffff0000, 0xff00c000, 0xff0000ff, 0xffffff00, 0xffff00ff, 0xff00ffff]


def say(line):
    sys.stdout.write(line + '\n')
    sys.stdout.flush()


def encoder(codec):
    """The encode + payload part of a pipeline for 'h264' or 'h265'."""
    if codec == 'h265':
        # x265enc has no bframes/repeat-headers properties: option-string.
        # repeat-headers: VPS/SPS/PPS before every keyframe (rtph265pay's
        # config-interval=-1 adds them before IDRs only, not before the CRAs
        # x265 makes after the first keyframe).
        return ('x265enc tune=zerolatency speed-preset=ultrafast key-int-max=30 bitrate=500 '
                'option-string="bframes=0:repeat-headers=1:log-level=warning" '
                '! video/x-h265,profile=main '
                '! rtph265pay name=pay0 pt=96 config-interval=-1')
    return ('x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 bframes=0 threads=1 sliced-threads=false bitrate=500 '
            '! video/x-h264,profile=constrained-baseline '
            '! rtph264pay name=pay0 pt=96 config-interval=-1')


AUDIOS = ('none', 'opus', 'pcma', 'pcmu', 'aac')
# codec -> (sample rate, channels, encode + payload part of the pipeline)
AUDIO_ENC = {
    'opus': (48000, 2, 'opusenc bitrate=32000 frame-size=20 '
             '! rtpopuspay name=pay1 pt=111'),
    'pcma': (8000, 1, 'alawenc ! rtppcmapay name=pay1 pt=8'),
    'pcmu': (8000, 1, 'mulawenc ! rtppcmupay name=pay1 pt=0'),
    # rtpmp4gpay: mpeg4-generic (RFC 3640), which ffmpeg's RTSP client reads
    'aac': (48000, 1, 'avenc_aac bitrate=64000 '
            '! rtpmp4gpay name=pay1 pt=97'),
}


def tone_freq(index):
    """The sine frequency (Hz) of the mount spec at this index."""
    return 300 + 150 * index


def audio_branch(codec, freq):
    """The audio part of a pipeline: a live sine of freq Hz, encoded.
    20 ms buffers, so G.711 packets are 20 ms (160 bytes) like a real
    camera's, not audiotestsrc's default 1024 samples."""
    rate, channels, enc = AUDIO_ENC[codec]
    return ('audiotestsrc is-live=true wave=sine freq=%d volume=0.3 samplesperbuffer=%d '
            '! audioconvert ! audioresample ! audio/x-raw,rate=%d,channels=%d '
            '! %s' % (freq, rate // 50, rate, channels, enc))


def launch_line(colour, args, codec='h264', width=None, height=None, audio='none', freq=None):
    line = ('videotestsrc is-live=true pattern=solid-color foreground-color=%d '
            '! video/x-raw,width=%d,height=%d,framerate=%d/1 '
            '! %s'
            % (colour, width or args.width, height or args.height, args.fps, encoder(codec)))
    if audio != 'none':
        line += '  ' + audio_branch(audio, freq)
    return '( %s )' % line


def make_factory(colour, args, auth, codec='h264', width=None, height=None, audio='none', freq=None):
    f = GstRtspServer.RTSPMediaFactory()
    f.set_launch(launch_line(colour, args, codec, width, height, audio, freq))
    f.set_shared(False)
    if auth:
        f.add_role_from_structure(Gst.Structure.from_string(
            'user, media.factory.access=(boolean)true, media.factory.construct=(boolean)true')[0])
    return f


KINDS = ('h264', 'h265', 'main+sub')


def parse_mounts(spec):
    """'camera1,camera2:h265,camera3:main+sub:aac' -> [(name, kind, audio)]."""
    out = []
    for m in spec.split(','):
        if not m:
            continue
        parts = m.split(':')
        name = parts[0]
        kind = (parts[1] if len(parts) > 1 else '') or 'h264'
        audio = (parts[2] if len(parts) > 2 else '') or 'none'
        if len(parts) > 3 or kind not in KINDS or audio not in AUDIOS or not name:
            raise SystemExit('rtsp-camera: bad mount %r (NAME[:h264|h265|main+sub[:%s]])'
                             % (m, '|'.join(AUDIOS)))
        out.append((name, kind, audio))
    return out


def add_mounts(mounts, specs, args, auth):
    """Adds the factories; returns [(mount, audio codec, freq)] of the
    mounts with audio."""
    tones = []
    for i, (name, kind, audio) in enumerate(specs):
        colour = COLOURS[i % len(COLOURS)]
        freq = tone_freq(i)
        if kind == 'main+sub':
            paths = [('%s/main' % name, 'h265', None, None),
                     ('%s/sub' % name, 'h264', (args.width // 2) & ~1, (args.height // 2) & ~1)]
        else:
            paths = [(name, kind, None, None)]
        for path, codec, w, h in paths:
            mounts.add_factory('/' + path, make_factory(colour, args, auth, codec, w, h, audio, freq))
            if audio != 'none':
                tones.append((path, audio, freq))
    return tones


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--port', type=int, default=0)
    p.add_argument('--address', default='127.0.0.1')
    p.add_argument('--mounts', default='camera1,camera2')
    p.add_argument('--user')
    p.add_argument('--password')
    p.add_argument('--width', type=int, default=640)
    p.add_argument('--height', type=int, default=480)
    p.add_argument('--fps', type=int, default=15)
    args = p.parse_args()
    specs = parse_mounts(args.mounts)

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(args.address)
    server.set_service(str(args.port))
    auth = None
    if args.user is not None:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string('media.factory.role', 'user')
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password or ''), token)
        server.set_auth(auth)
    tones = add_mounts(server.get_mount_points(), specs, args, auth)

    ids = {}
    counter = [0]

    def on_client(_server, client):
        counter[0] += 1
        cid = counter[0]
        ids[client] = cid
        conn = client.get_connection()
        ip = conn.get_ip() if conn else '?'
        say('CONNECT %d %s' % (cid, ip))
        client.connect('new-session', lambda _c, _s: say('SESSION %d' % cid))
        client.connect('play-request', lambda _c, ctx: say('PLAY %d %s' % (cid, ctx.uri.abspath)))

        def on_closed(_c):
            say('CLOSE %d' % cid)
            ids.pop(client, None)
        client.connect('closed', on_closed)

    server.connect('client-connected', on_client)
    if server.attach(None) == 0:
        sys.stderr.write('rtsp-camera: could not bind %s:%d\n' % (args.address, args.port))
        return 1
    loop = GLib.MainLoop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    for path, audio, freq in tones:
        say('AUDIO %s %s %d' % (path, audio, freq))
    say('READY %d' % server.get_bound_port())
    loop.run()
    return 0


if __name__ == '__main__':
    sys.exit(main())
