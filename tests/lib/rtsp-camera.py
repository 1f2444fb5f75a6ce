#!/usr/bin/python3
"""A real RTSP server for the tests: GStreamer's RTSP server with one
videotestsrc camera per mount, each a distinct solid colour, H264
(x264enc zerolatency, keyframe every 30 frames, SPS/PPS before every IDR)
or H265 (x265enc zerolatency, no B-frames, keyframe every 30 frames: an
IDR first, then CRAs, each after VPS/SPS/PPS).

  rtsp-camera.py [--port 0] [--mounts camera1,camera2] [--user U --password P]
                 [--width 640 --height 480 --fps 15]

--mounts: comma-separated NAME[:KIND], KIND one of
  h264       (default) /NAME, H264, WIDTHxHEIGHT
  h265       /NAME, H265 (main profile), WIDTHxHEIGHT
  main+sub   a camera with two streams, as real ones have:
             /NAME/main H265 WIDTHxHEIGHT and /NAME/sub H264 at half size
             (rounded down to even), both in that camera's colour
e.g. --mounts camera1,camera2:h265,camera3:main+sub. Colours follow the
order of the mount specs (a main+sub camera takes one colour).

Prints on stdout, one line each, flushed:
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


def make_factory(colour, args, auth, codec='h264', width=None, height=None):
    f = GstRtspServer.RTSPMediaFactory()
    f.set_launch(
        '( videotestsrc is-live=true pattern=solid-color foreground-color=%d '
        '! video/x-raw,width=%d,height=%d,framerate=%d/1 '
        '! %s )'
        % (colour, width or args.width, height or args.height, args.fps, encoder(codec)))
    f.set_shared(False)
    if auth:
        f.add_role_from_structure(Gst.Structure.from_string(
            'user, media.factory.access=(boolean)true, media.factory.construct=(boolean)true')[0])
    return f


KINDS = ('h264', 'h265', 'main+sub')


def parse_mounts(spec):
    """'camera1,camera2:h265,camera3:main+sub' -> [(name, kind)]."""
    out = []
    for m in spec.split(','):
        if not m:
            continue
        name, _, kind = m.partition(':')
        kind = kind or 'h264'
        if kind not in KINDS or not name:
            raise SystemExit('rtsp-camera: bad mount %r (NAME[:h264|h265|main+sub])' % m)
        out.append((name, kind))
    return out


def add_mounts(mounts, specs, args, auth):
    for i, (name, kind) in enumerate(specs):
        colour = COLOURS[i % len(COLOURS)]
        if kind == 'main+sub':
            mounts.add_factory('/%s/main' % name, make_factory(colour, args, auth, 'h265'))
            mounts.add_factory('/%s/sub' % name, make_factory(
                colour, args, auth, 'h264', (args.width // 2) & ~1, (args.height // 2) & ~1))
        else:
            mounts.add_factory('/' + name, make_factory(colour, args, auth, kind))


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
    add_mounts(server.get_mount_points(), specs, args, auth)

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
    say('READY %d' % server.get_bound_port())
    loop.run()
    return 0


if __name__ == '__main__':
    sys.exit(main())
