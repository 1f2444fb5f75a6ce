/* ms_codec.c: the codec table (see ms_codec.h). */
#include <string.h>
#include "ms_codec.h"
#include "ms_h264.h"

static guint h264_facts(const guint8 *payload, gsize len)
{
	guint nal = ms_h264_inspect(payload, len), f = 0;
	if(nal & MS_H264_SPS)
		f |= MS_PKT_PARAMS_FIRST | MS_PKT_PARAMS;
	if(nal & MS_H264_PPS)
		f |= MS_PKT_PARAMS;
	if(nal & MS_H264_IDR)
		f |= MS_PKT_KEY;
	if(nal & MS_H264_IDR_CONT)
		f |= MS_PKT_KEY_CONT;
	if(nal & MS_H264_SLICE)
		f |= MS_PKT_SLICE;
	return f;
}

const ms_codec ms_codec_h264 = {
	.name = "h264",
	.rtpmap = "H264/90000",
	.inspect = h264_facts,
};

static const ms_codec *codecs[] = { &ms_codec_h264 };

const ms_codec *ms_codec_by_name(const char *name)
{
	for(guint i = 0; name != NULL && i < G_N_ELEMENTS(codecs); i++)
		if(g_ascii_strcasecmp(codecs[i]->name, name) == 0)
			return codecs[i];
	return NULL;
}
