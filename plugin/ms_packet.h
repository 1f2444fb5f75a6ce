/* ms_packet.h: one RTP packet, parsed once where it enters the plugin
 * (ms_source_deliver) and handed down as is: to the GOP cache, to every
 * consumer, to each slot's rewriter (pure). */
#ifndef MS_PACKET_H
#define MS_PACKET_H

#include <glib.h>
#include "ms_codec.h"

typedef struct ms_packet {
	const guint8 *data;	/* the whole packet, header included */
	gsize len;
	gsize payload_off, payload_len;
	guint16 seq;
	guint32 ts;
	gboolean marker;	/* the last packet of a frame */
	guint facts;		/* MS_PKT_* (ms_codec.h) */
} ms_packet;

/* Parse data as RTP of the given codec; FALSE when it is not valid RTP v2
 * (then p is untouched). data must outlive p. */
gboolean ms_packet_parse(ms_packet *p, const guint8 *data, gsize len, const ms_codec *codec);

#endif
