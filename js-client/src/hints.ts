/**
 * hints.ts: the automatic `multistream/hint`s (js-client/README.md, "Quality
 * auto"). The app hands the client one element per slot (observe()); this
 * watches them and tells the client what to send:
 *
 * - size: a ResizeObserver; the element's content box (CSS pixels) times
 *   `devicePixelRatio`, each rounded to the nearest integer and clamped to
 *   0..65535 (device pixels, what the server compares with variant heights).
 *   A change of devicePixelRatio alone (zoom, another screen) is caught by a
 *   `matchMedia('(resolution: Xdppx)')` listener and re-scales the last sizes.
 * - visible: an IntersectionObserver on the viewport (`isIntersecting`), and
 *   the page's visibility: while `document.hidden`, every observed slot is
 *   `visible: false`; when the page shows again, the real values.
 * - when: a size or intersection change after a quiet spell (nothing sent
 *   for `debounceMs`) is sent at once, so a resized or scrolled tile gets its
 *   new quality without waiting; changes that follow it are debounced
 *   (`debounceMs` after the last change, at most `maxWaitMs` after the first
 *   unsent one while changes keep coming). A page visibility change is sent
 *   at once (a hidden tab's timers are throttled, and a tab shown again
 *   should get its pictures now).
 *   One message carries every slot whose {width, height, visible} differs from
 *   what was last sent for it; nothing is sent when nothing differs.
 *
 * Everything is guarded: without ResizeObserver (Node, old browsers) nothing
 * is observed and no hint is ever sent automatically; without
 * IntersectionObserver a slot counts as visible unless the page is hidden;
 * without `document` the page never counts as hidden.
 */
import type { SlotHint } from './types.js';

/** What the hint machinery asks of the client. */
export interface AutoHintsHost {
	/** Whether a hint for this slot can be sent now (a session whose init has the slot). */
	accepts(slot: number): boolean;
	/** Send these hints (one `multistream/hint`). */
	send(hints: SlotHint[]): void;
}

export interface AutoHintsOptions {
	/** Quiet time after the last change before a hint goes out (ms). */
	debounceMs: number;
	/** Longest wait after the first unsent change while changes keep coming (ms). */
	maxWaitMs: number;
}

interface Watched {
	element: Element;
	/** CSS pixels from the last ResizeObserver entry; null before the first. */
	cssWidth: number | null;
	cssHeight: number | null;
	/** From the IntersectionObserver (true until it says otherwise, and without one). */
	intersecting: boolean;
}

/* The bits of the DOM used here, looked up at run time (absent under Node). */
interface RoEntry { target: Element; contentRect: { width: number; height: number } }
interface IoEntry { target: Element; isIntersecting: boolean }
interface Ro { observe(el: Element): void; unobserve(el: Element): void; disconnect(): void }
interface Io { observe(el: Element): void; unobserve(el: Element): void; disconnect(): void }
type RoCtor = new (cb: (entries: RoEntry[]) => void) => Ro;
type IoCtor = new (cb: (entries: IoEntry[]) => void, init?: { root?: null; threshold?: number }) => Io;
interface Doc {
	hidden?: boolean;
	visibilityState?: string;
	addEventListener(type: string, cb: () => void): void;
	removeEventListener(type: string, cb: () => void): void;
}
interface Mql { addEventListener?(type: string, cb: () => void): void; removeEventListener?(type: string, cb: () => void): void }

function g(): Record<string, unknown> {
	return globalThis as unknown as Record<string, unknown>;
}

/** Clamp to the wire's range: an integer 0..65535 (non-finite: 0). */
export function toWireSize(n: number): number {
	if(!Number.isFinite(n) || n <= 0)
		return 0;
	return Math.min(65535, Math.round(n));
}

/** The current devicePixelRatio (1 when unknown). */
function dpr(): number {
	const r = g()['devicePixelRatio'];
	return typeof r === 'number' && Number.isFinite(r) && r > 0 ? r : 1;
}

function sameHint(a: SlotHint | undefined, b: SlotHint): boolean {
	return a !== undefined && a.width === b.width && a.height === b.height && a.visible === b.visible;
}

export class AutoHints {
	private readonly watched = new Map<number, Watched>();
	/** What the server was last told per slot (by us or by hint()). */
	private readonly sent = new Map<number, SlotHint>();
	private ro: Ro | null = null;
	private io: Io | null = null;
	private doc: Doc | null = null;
	private mql: Mql | null = null;
	private timer: ReturnType<typeof setTimeout> | null = null;
	private firstPendingAt = 0;
	/** When a hint last went out (Date.now()), for the leading edge of the debounce. */
	private lastSentAt = Number.NEGATIVE_INFINITY;
	private readonly onVisibility = (): void => { this.flush(); };
	private readonly onDpr = (): void => { this.watchDpr(); this.changed(); };

	constructor(private readonly host: AutoHintsHost, private readonly opts: AutoHintsOptions) {}

	/** Whether this environment can hint automatically (ResizeObserver exists). */
	static get supported(): boolean {
		return typeof g()['ResizeObserver'] === 'function';
	}

	/** Watch `element` for `slot` (replacing the slot's previous element). False where unsupported. */
	observe(slot: number, element: Element): boolean {
		const RO = g()['ResizeObserver'] as RoCtor | undefined;
		if(typeof RO !== 'function')
			return false;
		const prev = this.watched.get(slot);
		if(prev?.element === element)
			return true;
		if(prev)
			this.release(slot, prev);
		/* One slot per element: an element moved to another slot leaves the old one. */
		for(const [s, w] of [...this.watched]) {
			if(w.element === element)
				this.unobserve(s);
		}
		if(!this.ro) {
			this.ro = new RO((entries) => this.onResize(entries));
			const IO = g()['IntersectionObserver'] as IoCtor | undefined;
			this.io = typeof IO === 'function' ? new IO((entries) => this.onIntersect(entries), { root: null, threshold: 0 }) : null;
			const doc = g()['document'] as Doc | undefined;
			this.doc = doc && typeof doc.addEventListener === 'function' ? doc : null;
			this.doc?.addEventListener('visibilitychange', this.onVisibility);
			this.watchDpr();
		}
		this.watched.set(slot, { element, cssWidth: null, cssHeight: null, intersecting: true });
		this.ro.observe(element);
		this.io?.observe(element);
		return true;
	}

	/** Stop watching one slot, or every slot (no argument). Sends nothing; a pending change of the slot is dropped. */
	unobserve(slot?: number): void {
		if(slot === undefined) {
			for(const s of [...this.watched.keys()])
				this.unobserve(s);
			return;
		}
		const w = this.watched.get(slot);
		if(!w)
			return;
		this.release(slot, w);
		if(this.watched.size === 0)
			this.stop();
	}

	/** The observed slots. */
	get slots(): number[] {
		return [...this.watched.keys()];
	}

	/** Every observed slot's hint now (slots whose size is not known yet are left out). */
	current(): SlotHint[] {
		const hidden = this.pageHidden();
		const scale = dpr();
		const out: SlotHint[] = [];
		for(const [slot, w] of this.watched) {
			if(w.cssWidth === null || w.cssHeight === null)
				continue;
			out.push({
				slot,
				width: toWireSize(w.cssWidth * scale),
				height: toWireSize(w.cssHeight * scale),
				visible: w.intersecting && !hidden,
			});
		}
		return out.sort((a, b) => a.slot - b.slot);
	}

	/** The server now knows these (sent by hint(), or by us). */
	noteSent(hints: readonly SlotHint[]): void {
		for(const h of hints)
			this.sent.set(h.slot, { slot: h.slot, width: h.width, height: h.height, visible: h.visible });
	}

	/** A hint that may not have arrived (its request failed): forget it, so the next flush sends the slot again. */
	forget(hints: readonly SlotHint[]): void {
		for(const h of hints) {
			if(sameHint(this.sent.get(h.slot), h))
				this.sent.delete(h.slot);
		}
	}

	/** The last hint the server was given for a slot (this session). */
	lastSent(slot: number): SlotHint | undefined {
		const h = this.sent.get(slot);
		return h ? { ...h } : undefined;
	}

	/** A new session (or none): the server knows nothing; the next flush sends every observed slot. */
	reset(): void {
		this.sent.clear();
		this.cancel();
	}

	/** Send now what differs from what was sent (one message, or nothing). */
	flush(): void {
		this.cancel();
		const changes = this.current().filter((h) => this.host.accepts(h.slot) && !sameHint(this.sent.get(h.slot), h));
		if(changes.length === 0)
			return;
		this.noteSent(changes);
		this.lastSentAt = Date.now();
		this.host.send(changes);
	}

	/** Stop everything (timers, observers, listeners). */
	dispose(): void {
		this.unobserve();
		this.reset();
	}

	/* ---------- internals ---------- */

	private release(slot: number, w: Watched): void {
		this.watched.delete(slot);
		this.ro?.unobserve(w.element);
		this.io?.unobserve(w.element);
	}

	private stop(): void {
		this.cancel();
		this.ro?.disconnect();
		this.io?.disconnect();
		this.ro = null;
		this.io = null;
		this.doc?.removeEventListener('visibilitychange', this.onVisibility);
		this.doc = null;
		this.mql?.removeEventListener?.('change', this.onDpr);
		this.mql = null;
	}

	private pageHidden(): boolean {
		const d = this.doc;
		return d !== null && (d.hidden === true || d.visibilityState === 'hidden');
	}

	/** Listen for the next devicePixelRatio change (a media query on the current one). */
	private watchDpr(): void {
		this.mql?.removeEventListener?.('change', this.onDpr);
		this.mql = null;
		const mm = g()['matchMedia'];
		if(typeof mm !== 'function')
			return;
		try {
			const q = (mm as (q: string) => Mql)(`(resolution: ${dpr()}dppx)`);
			if(typeof q?.addEventListener === 'function') {
				q.addEventListener('change', this.onDpr);
				this.mql = q;
			}
		} catch {
			/* no media queries here: sizes follow ResizeObserver alone */
		}
	}

	private slotOf(el: Element): Watched | undefined {
		for(const w of this.watched.values()) {
			if(w.element === el)
				return w;
		}
		return undefined;
	}

	private onResize(entries: readonly RoEntry[]): void {
		let any = false;
		for(const e of entries) {
			const w = this.slotOf(e.target);
			if(!w)
				continue;
			w.cssWidth = e.contentRect.width;
			w.cssHeight = e.contentRect.height;
			any = true;
		}
		if(any)
			this.changed();
	}

	private onIntersect(entries: readonly IoEntry[]): void {
		let any = false;
		for(const e of entries) {
			const w = this.slotOf(e.target);
			if(!w)
				continue;
			w.intersecting = e.isIntersecting;
			any = true;
		}
		if(any)
			this.changed();
	}

	/** Something changed: send it now after a quiet spell, else (re)arm the
	 * debounce, within the longest wait. */
	private changed(): void {
		const now = Date.now();
		if(this.timer === null && now - this.lastSentAt >= this.opts.debounceMs) {
			this.flush();
			return;
		}
		if(this.timer === null)
			this.firstPendingAt = now;
		else
			clearTimeout(this.timer);
		const left = Math.max(0, this.firstPendingAt + Math.max(this.opts.maxWaitMs, this.opts.debounceMs) - now);
		this.timer = setTimeout(() => { this.timer = null; this.flush(); }, Math.min(this.opts.debounceMs, left));
	}

	private cancel(): void {
		if(this.timer !== null)
			clearTimeout(this.timer);
		this.timer = null;
	}
}
