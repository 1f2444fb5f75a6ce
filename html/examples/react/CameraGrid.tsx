// CameraGrid.tsx: a React camera grid component, on janus-multistream-client.
// Type-checked by `npm run typecheck` in js-client/.
import { useCallback, useEffect, useRef, useState } from 'react';
import { MultiStreamClient, MultiStreamError, type SlotConfig, type SlotStatus } from 'janus-multistream-client';

export interface Camera {
	id: string;
	name: string;
}

export interface CameraGridProps {
	/** Janus URL: ws://host:8188, wss://host/janus, https://host ... */
	deviceUrl: string;
	cameras: Camera[];
	defaultQuality?: string;
	/** Quality a click switches to. */
	highQuality?: string;
}

export function CameraGrid({ deviceUrl, cameras, defaultQuality = '360p', highQuality = '1080p' }: CameraGridProps) {
	const clientRef = useRef<MultiStreamClient | null>(null);
	const videoRefs = useRef<Map<number, HTMLVideoElement>>(new Map());
	const [statuses, setStatuses] = useState<Map<number, SlotStatus>>(new Map());
	const [connected, setConnected] = useState(false);
	const [error, setError] = useState<string | null>(null);

	useEffect(() => {
		const client = new MultiStreamClient(deviceUrl, {
			debug: true,
			onDisconnected: (reason) => {
				setConnected(false);
				setError(`disconnected: ${reason}`);
			},
		});
		clientRef.current = client;
		let cancelled = false;

		const slots: SlotConfig[] = cameras.map((cam, i) => ({ slot: i, stream: cam.id, quality: defaultQuality }));
		const handleStatus = (slot: number, status: SlotStatus): void => {
			setStatuses((prev) => new Map(prev).set(slot, status));
		};

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
			})
			.catch((err: unknown) => {
				if(cancelled)
					return;
				setError(err instanceof MultiStreamError ? `${err.error} (${err.code})` : String(err));
				setConnected(false);
			});

		return () => {
			cancelled = true;
			void client.disconnect();
			clientRef.current = null;
			setConnected(false);
		};
	}, [deviceUrl, cameras, defaultQuality]);

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

	if(error)
		return <div className="error">Connection error: {error}</div>;

	return (
		<div className="camera-grid" data-connected={connected}>
			{cameras.map((cam, slot) => (
				<div
					key={cam.id}
					className="camera-cell"
					data-slot={slot}
					onClick={() => void switchTo(slot, cam.id, highQuality)}
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
