#!/usr/bin/env python3
"""bench/soak/wire.py: record the RTP headers that cross the soak's loopback.

Run inside the soak's private network namespace (soak.mjs starts it there):
an AF_PACKET socket on `lo` sees every datagram between the cameras, Janus
and the werift clients. SRTP keeps the RTP header in the clear, so for each
RTP packet (version 2, payload type 96-127, RTCP excluded) this writes one
10-byte record: UDP source port, UDP destination port, SSRC, sequence
number (network order). soak.mjs reads the file afterwards to tell a packet
Janus never sent (a gap on the wire) from one the client lost after the
kernel delivered it.

    python3 bench/soak/wire.py OUT_FILE MAX_SECONDS

Stops at MAX_SECONDS or on SIGTERM/SIGINT; prints "packets N dropped M"
(M: datagrams the kernel could not queue for this socket, PACKET_STATISTICS).
"""
import signal
import socket
import struct
import sys
import time

SOL_PACKET = 263
PACKET_STATISTICS = 6
SO_RCVBUFFORCE = 33
PACKET_OUTGOING = 4


def main():
    out_path, max_seconds = sys.argv[1], float(sys.argv[2])
    stop = [False]

    def on_signal(signum, frame):
        stop[0] = True
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(0x0003))
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 256 * 1024 * 1024)
    except OSError:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024 * 1024)
    sock.bind(('lo', 0))
    sock.settimeout(0.2)
    record = struct.Struct('!HHIH')
    end = time.monotonic() + max_seconds
    count = 0
    chunk = bytearray()
    with open(out_path, 'wb') as out:
        while not stop[0] and time.monotonic() < end:
            try:
                frame, addr = sock.recvfrom(128)
            except socket.timeout:
                continue
            except InterruptedError:
                continue
            # Loopback shows every datagram twice (out and in): keep one
            if addr[2] == PACKET_OUTGOING or len(frame) < 14 + 20 + 8 + 12:
                continue
            if frame[12:14] != b'\x08\x00':
                continue
            ihl = (frame[14] & 0x0f) * 4
            if frame[14 + 9] != 17:
                continue
            udp = 14 + ihl
            rtp = udp + 8
            if len(frame) < rtp + 12 or (frame[rtp] >> 6) != 2:
                continue
            if 192 <= frame[rtp + 1] <= 223 or (frame[rtp + 1] & 0x7f) < 96:
                continue
            sport, dport = struct.unpack_from('!HH', frame, udp)
            seq = struct.unpack_from('!H', frame, rtp + 2)[0]
            ssrc = struct.unpack_from('!I', frame, rtp + 8)[0]
            chunk += record.pack(sport, dport, ssrc, seq)
            count += 1
            if len(chunk) >= 1 << 20:
                out.write(chunk)
                chunk = bytearray()
        out.write(chunk)
    stats = sock.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8)
    _, dropped = struct.unpack('II', stats)
    print(f'packets {count} dropped {dropped}', flush=True)


if __name__ == '__main__':
    main()
