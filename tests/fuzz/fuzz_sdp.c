/* fuzz_sdp.c: libFuzzer target for ms_sdp.
 *
 * bytes (NUL-terminated copy) -> ms_sdp_parse_offer -> ms_sdp_build_answer
 * for 1..9 slots. Every answer must parse again with the same m-lines and
 * mids, all of them not receiving (sendonly or rejected). Build:
 *   clang -g -fsanitize=fuzzer,address,undefined -Iplugin tests/fuzz/fuzz_sdp.c \
 *     plugin/ms_sdp.c $(pkg-config --cflags --libs glib-2.0)
 *   ./a.out tests/fuzz/corpus/sdp */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ms_sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ms_sdp_offer offer, reread;

static void check_answer(const char *answer, guint n_slots, const int *mindex, const int *pt, const int *pt265)
{
	char detail[160];
	if(ms_sdp_parse_offer(answer, &reread, detail, sizeof(detail)) != MS_OK)
		abort();
	if(reread.n != offer.n)
		abort();
	for(guint i = 0; i < offer.n; i++) {
		if(strcmp(reread.m[i].mid, offer.m[i].mid) != 0 || reread.m[i].recv)
			abort();
		if(strcmp(reread.m[i].media, offer.m[i].media) != 0)
			abort();
	}
	for(guint k = 0; k < n_slots; k++) {
		const ms_sdp_mline *m = &reread.m[mindex[k]];
		if(strcmp(m->media, "video") != 0 || m->h264.pt != pt[k] || pt[k] < 0 || pt[k] > 127)
			abort();
		/* H265 kept where offered, with its own payload type */
		if(m->h265.pt != pt265[k] || (pt265[k] >= 0 && pt265[k] == pt[k]))
			abort();
		if(k > 0 && mindex[k] <= mindex[k - 1])
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *sdp = g_malloc(size + 1);
	memcpy(sdp, data, size);
	sdp[size] = '\0';
	char detail[160];
	if(ms_sdp_parse_offer(sdp, &offer, detail, sizeof(detail)) == MS_OK) {
		for(guint n = 1; n <= 9; n++) {
			int mindex[9], pt[9], pt265[9];
			ms_error err = MS_OK;
			/* every other size with an audio m-line asked for */
			ms_sdp_audio audio = { .mindex = -1 };
			char *answer = ms_sdp_build_answer(&offer, n, 42, mindex, pt, pt265, n % 2 ? &audio : NULL,
				&err, detail, sizeof(detail));
			if((answer == NULL) != (err != MS_OK))
				abort();
			if(answer != NULL)
				check_answer(answer, n, mindex, pt, pt265);
			if(answer != NULL && n % 2) {
				/* the audio m-line: an offered audio m-line, sendonly, with Opus */
				if(audio.mindex < 0 || (guint)audio.mindex >= offer.n || audio.pt_opus < 0 ||
						strcmp(offer.m[audio.mindex].media, "audio") != 0)
					abort();
				for(guint k = 0; k < n; k++)
					if(mindex[k] == audio.mindex)
						abort();
			}
			g_free(answer);
		}
	}
	g_free(sdp);
	return 0;
}
