// CameraGrid.tsx: a React camera grid component, on janus-multistream-client.
// Type-checked by `npm run typecheck` in js-client/.
//
// Quality auto (the default `defaultQuality`): the server picks each cell's
// variant from its rendered size and visibility, which the client hints by
// itself once the cells' <video> elements are handed to client.observe().
// Each cell shows the variant sent now (`actualQuality`); a hidden tab or a
// cell scrolled out of view gets nothing (status `inactive`). A click pins
// the cell to `highQuality`; a double-click gives it back to `auto`.
//
// Audio that follows focus (prop `audio`, default on): a click on a cell
// switches it to `highQuality` and makes it the one heard; the heard cell
// wears a speaker badge. The page starts muted (browsers block autoplay with
// sound): the Unmute button plays the <audio> holding the remote track.
import { useCallback, useEffect, useRef, useState } from 'react';
import { MultiStreamClient, MultiStreamError, type AudioStatus, type Quality, type SlotConfig, type SlotStatus } from 'janus-multistream-client';

export interface Camera {
	id: string;
	name: string;
}

export interface CameraGridProps {
	/** Janus URL: ws://host:8188, wss://host/janus, https://host ... */
	deviceUrl: string;
	cameras: Camera[];
	/** Quality of every cell at start and after a double-click. Default: `auto` (the server picks by size). */
	defaultQuality?: Quality;
	/** Quality a click switches to. */
	highQuality?: string;
	/** Audio that follows focus: the clicked cell is heard. Default: true. */
	audio?: boolean;
}

/** The speaker badge of the heard cell: what the server said, or our own pending/error. */
type AudioView = { slot: number | null; status: AudioStatus['status'] | 'pending' | 'error'; detail?: string };

export function CameraGrid({ deviceUrl, cameras, defaultQuality = 'auto', highQuality = '1080p', audio = true }: CameraGridProps) {
	const clientRef = useRef<MultiStreamClient | null>(null);
	const videoRefs = useRef<Map<number, HTMLVideoElement>>(new Map());
	const audioRef = useRef<HTMLAudioElement | null>(null);
	const focusSeq = useRef(0);
	const [statuses, setStatuses] = useState<Map<number, SlotStatus>>(new Map());
	const [connected, setConnected] = useState(false);
	const [error, setError] = useState<string | null>(null);
	const [heard, setHeard] = useState<AudioView>({ slot: null, status: 'off' });
	const [muted, setMuted] = useState(true);

	useEffect(() => {
		const showAudio = (st: AudioStatus): void => setHeard({ slot: st.slot >= 0 ? st.slot : null, status: st.status });
		const client = new MultiStreamClient(deviceUrl, {
			debug: true,
			audio,
			// Notices: the heard cell switched stream (its camera may have no audio).
			onAudio: showAudio,
			onDisconnected: (reason) => {
				setConnected(false);
				setError(`disconnected: ${reason}`);
			},
		});
		clientRef.current = client;
		let cancelled = false;
		setHeard({ slot: null, status: 'off' });

		const slots: SlotConfig[] = cameras.map((cam, i) => ({ slot: i, stream: cam.id, quality: defaultQuality }));
		const handleStatus = (slot: number, status: SlotStatus): void => {
			setStatuses((prev) => new Map(prev).set(slot, status));
		};

		// Automatic hints: each cell's size (device pixels) and visibility, sent by the client once connected.
		videoRefs.current.forEach((video, slot) => { client.observe(slot, video); });

		client.connect(slots, handleStatus)
			.then((trackMap) => {
				if(cancelled)
					return;
				setConnected(true);
				setError(null);
				trackMap.forEach((track, slot) => {
					const video = videoRefs.current.get(slot);
					if(video) {
						video.srcObject = new MediaStream([track]);
						video.play().catch(() => {
							video.muted = true;
							void video.play();
						});
					}
				});
				// The remote audio plays through an element (also what WebAudio needs in Chrome); muted until Unmute.
				const el = audioRef.current;
				if(el && trackMap.audio) {
					el.srcObject = new MediaStream([trackMap.audio]);
					el.play().catch(() => undefined);
				}
			})
			.catch((err: unknown) => {
				if(cancelled)
					return;
				setError(err instanceof MultiStreamError ? `${err.error} (${err.code})` : String(err));
				setConnected(false);
			});

		return () => {
			cancelled = true;
			client.unobserve();
			void client.disconnect();
			clientRef.current = null;
			setConnected(false);
		};
	}, [deviceUrl, cameras, defaultQuality, audio]);

	const switchTo = useCallback(async (slot: number, cameraId: string, quality: string) => {
		const client = clientRef.current;
		if(!client)
			return;
		try {
			await client.switchStream(slot, cameraId, quality);
		} catch(err) {
			if(err instanceof MultiStreamError && err.code === 492)
				return;		// superseded by a newer click
			console.error('Switch failed:', err);
		}
	}, []);

	/** Hear this cell (null: nothing). */
	const focusAudio = useCallback(async (slot: number | null) => {
		const client = clientRef.current;
		if(!client || !audio)
			return;
		const seq = ++focusSeq.current;
		setHeard({ slot, status: slot === null ? 'off' : 'pending' });
		try {
			const st = await client.setAudioFocus(slot);
			if(seq === focusSeq.current)
				setHeard({ slot: st.slot >= 0 ? st.slot : null, status: st.status });
		} catch(err) {
			if(seq === focusSeq.current)
				setHeard({ slot, status: 'error', detail: err instanceof MultiStreamError ? `${err.error} (${err.code})` : String(err) });
		}
	}, [audio]);

	const toggleMute = useCallback(() => {
		const el = audioRef.current;
		if(!el)
			return;
		if(!el.muted) {
			el.muted = true;
			setMuted(true);
			return;
		}
		el.muted = false;
		setMuted(false);
		el.play().catch(() => {		// refused: stay muted
			el.muted = true;
			setMuted(true);
		});
	}, []);

	if(error)
		return <div className="error">Connection error: {error}</div>;

	return (
		<div className="camera-grid" data-connected={connected}>
			{audio && (
				<div className="audio-controls">
					<audio ref={audioRef} autoPlay muted />
					<button type="button" className="unmute" data-muted={muted} onClick={toggleMute}>
						{muted ? 'Unmute' : 'Mute'}
					</button>
					<button type="button" className="audio-off" disabled={heard.slot === null} onClick={() => void focusAudio(null)}>
						No audio
					</button>
				</div>
			)}
			{cameras.map((cam, slot) => (
				<div
					key={cam.id}
					className="camera-cell"
					data-slot={slot}
					data-audio-focus={heard.slot === slot || undefined}
					onClick={() => { void focusAudio(slot); void switchTo(slot, cam.id, highQuality); }}
					onDoubleClick={() => void switchTo(slot, cam.id, defaultQuality)}
				>
					<video
						ref={(el) => { if(el) videoRefs.current.set(slot, el); }}
						autoPlay
						playsInline
						muted
					/>
					<div className="camera-overlay">
						<span className="camera-name">{cam.name}</span>
						{heard.slot === slot && (
							<span className="speaker" data-audio-status={heard.status} title={heard.detail ?? heard.status}>
								{heard.status === 'active' ? '\u266A audio' : heard.status === 'pending' ? '\u266A \u2026' : heard.status === 'unavailable' ? 'no audio' : heard.status}
							</span>
						)}
						{statuses.get(slot)?.actualQuality && (
							<span className="camera-quality" title="the variant the server sends now">{statuses.get(slot)?.actualQuality}</span>
						)}
						<span className={`camera-status status-${statuses.get(slot)?.status ?? 'pending'}`}>
							{statuses.get(slot)?.status ?? 'connecting'}
						</span>
					</div>
				</div>
			))}
		</div>
	);
}

export default CameraGrid;
