/* ms_h264.h: H264 RTP payload inspection (RFC 6184), pure.
 *
 * Used to find decodable start points: a packet that carries an SPS, PPS
 * or IDR slice (single NAL, inside a STAP-A, or the first fragment of an
 * FU-A) is "keyframe material". */
#ifndef MS_H264_H
#define MS_H264_H

#include <glib.h>

/* Flags describing the NAL units a payload carries. */
enum {
	MS_H264_SPS = 1 << 0,
	MS_H264_PPS = 1 << 1,
	MS_H264_IDR = 1 << 2,		/* an IDR slice starts in this packet */
	MS_H264_IDR_CONT = 1 << 3,	/* continuation fragment of an IDR (FU-A, not start) */
	MS_H264_SLICE = 1 << 4,		/* a non-IDR slice starts in this packet */
};

/* Inspect an H264 RTP payload (after the RTP header); returns a mask of
 * MS_H264_* flags, 0 for empty/malformed payloads. Never reads past len. */
guint ms_h264_inspect(const guint8 *payload, gsize len);

/* TRUE if the payload carries SPS, PPS or the start of an IDR slice. */
gboolean ms_h264_is_keyframe_material(const guint8 *payload, gsize len);

#endif
