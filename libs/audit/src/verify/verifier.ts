import { GENESIS_HASH } from '@lead-ledger/ledger/chain/event-hash';
import { RecordedEvent } from '@lead-ledger/ledger/ledger.port';
import { digestOf, isDigestEvent, LedgerDigest } from '../digests';
import { DomainChecks, FindingSink, isOpenLead, StreamState } from './domain-checks';
import { CheckName, Notice, NoticeKind, OverrideEntry, VerificationReport, Violation, VIOLATION_KINDS, ViolationKind } from './findings';
import { MerkleFrontier } from './merkle-fold';
import { PageHashResult } from './page-hash';
import { SourcePage, VerifierSource } from './sources';

export interface VerifyProgress {
  events: number;
  /** Streams seen so far (the verifier keeps one small record per stream). */
  streams: number;
  position: bigint;
  head: bigint;
  violations: number;
}

export interface VerifyOptions {
  /** Called after each page (throttle in the caller). */
  onProgress?: (progress: VerifyProgress) => void;
  /** How many violations, notices and overrides the report lists (counts are always complete). */
  maxListed?: number;
  /** Pages read ahead of the hash results (the hash workers' queue). */
  readAhead?: number;
}

interface PendingPage {
  events: Array<Pick<RecordedEvent, 'position' | 'stream' | 'revision' | 'chain'>>;
  hashes: Promise<PageHashResult>;
}

/**
 * Reads the whole ledger once, from its first event, in pages, and checks:
 * - chain integrity: every event's hash against its covered fields, the per-stream links and
 *   revisions, and (embedded ledger) that no position is missing;
 * - the Merkle digests recorded in the ledger, against the tree of the events before them;
 * - exclusivity, the pace rule and allocation (DomainChecks).
 * Memory holds one small record per stream, the open leads, the borrower routes inside the longest
 * dedupe window and the allocations: it does not grow with the number of events.
 */
export async function verifyLedger(source: VerifierSource, options: VerifyOptions = {}): Promise<VerificationReport> {
  const started = performance.now();
  const maxListed = options.maxListed ?? 10_000;
  const findings = new Findings(maxListed);
  const domain = new DomainChecks(findings);
  const streams = new Map<string, StreamState>();
  const frontier = new MerkleFrontier();
  let merkleValid = true;
  const targetRoots = new Map<number, Buffer>();
  const leafAt = new Map<number, { position: bigint; id: string }>();
  const pendingDigests: Array<{ event: RecordedEvent; digest: LedgerDigest }> = [];
  let digestsSeen = 0;
  let lastDigestSize = 0;
  let digestsVerified = 0;
  let eventsRead = 0;
  let lastPosition: bigint | null = null;
  let peakRss = process.memoryUsage.rss();

  const head = await source.headPosition();
  const targets = [...new Set(await source.digestTreeSizes())].sort((a, b) => a - b);
  const targetSet = new Set(targets);
  const pending: PendingPage[] = [];
  const readAhead = options.readAhead ?? 6;

  const settle = async (page: PendingPage) => {
    const result = await page.hashes;
    for (const mismatch of result.mismatches) {
      const event = page.events[mismatch.index];
      if (mismatch.problem === 'unchained') findings.violation('UNCHAINED_EVENT', event, 'event has no (well-formed) hash or prevHash: it is outside the chain and cannot be a Merkle leaf');
      else if (mismatch.problem === 'unreadable') findings.violation('UNREADABLE_EVENT', event, `covered fields cannot be canonicalised: ${mismatch.detail ?? 'invalid JSON'}`);
      else findings.violation('HASH_MISMATCH', event, `content edited: its fields hash to ${mismatch.computed}, but the stored hash is ${event.chain?.hash}`);
    }
    if (!merkleValid || result.pieces === null) {
      merkleValid = false;
    } else {
      for (const target of result.targets) {
        const at = frontier.clone();
        for (const piece of target.pieces) at.add(piece);
        targetRoots.set(target.treeSize, at.root());
      }
      for (const piece of result.pieces) frontier.add(piece);
    }
    // Digests whose tree is now complete (a digest always follows the events it covers).
    for (let i = 0; i < pendingDigests.length; ) {
      const { event, digest } = pendingDigests[i];
      if (merkleValid && frontier.size < digest.treeSize) {
        i++;
        continue;
      }
      pendingDigests.splice(i, 1);
      checkDigest(event, digest);
    }
  };

  const checkDigest = (event: RecordedEvent, digest: LedgerDigest) => {
    const root = targetRoots.get(digest.treeSize);
    targetRoots.delete(digest.treeSize);
    const last = leafAt.get(digest.treeSize);
    leafAt.delete(digest.treeSize);
    if (root === undefined) {
      if (merkleValid) findings.violation('DIGEST_INVALID', event, `a digest of ${digest.treeSize} events was already recorded`);
      else findings.violation('DIGEST_UNVERIFIABLE', event, `digest of ${digest.treeSize} events cannot be recomputed: an earlier event has no hash`);
      return;
    }
    const problems: string[] = [];
    if (root.toString('hex') !== digest.rootHash) problems.push(`the first ${digest.treeSize} events hash to root ${root.toString('hex')}, the digest says ${digest.rootHash}`);
    if (last && (last.position.toString() !== digest.lastPosition || last.id !== digest.lastEventId)) {
      problems.push(`leaf ${digest.treeSize - 1} is event ${last.id} at position ${last.position}, the digest says ${digest.lastEventId} at ${digest.lastPosition}`);
    }
    if (problems.length > 0) findings.violation('DIGEST_MISMATCH', event, `${problems.join('; ')}: events before position ${event.position} were edited, removed, reordered or inserted`);
    else digestsVerified++;
  };

  /** The chain checks that need order; returns the stream's record for the domain checks. */
  const checkLinks = (event: RecordedEvent): StreamState => {
    const link = streams.get(event.stream);
    const revision = Number(event.revision);
    const prevHash = event.chain?.prevHash ?? null;
    if (link === undefined) {
      if (revision !== 0) findings.violation('REVISION_GAP', event, `first event of ${event.stream} has revision ${revision}: revisions 0–${revision - 1} are missing`);
      if (prevHash !== null && prevHash !== GENESIS_HASH && revision === 0) findings.violation('BROKEN_LINK', event, `revision 0 must have the genesis prevHash, has ${prevHash}`);
      else if (prevHash !== null && revision !== 0) findings.violation('BROKEN_LINK', event, `prevHash ${prevHash} names an event this stream does not have before it`);
      const created = new StreamState(revision + 1, event.chain?.hash ?? null, Number(event.position));
      streams.set(event.stream, created);
      return created;
    }
    const expectedRevision = link.next;
    if (revision > expectedRevision) {
      findings.violation(
        'REVISION_GAP',
        event,
        `revision ${revision} follows revision ${expectedRevision - 1} (position ${link.position}): revision${revision - expectedRevision > 1 ? `s ${expectedRevision}–${revision - 1} are` : ` ${expectedRevision} is`} missing here (removed or moved)`,
      );
    } else if (revision < expectedRevision) {
      findings.violation('REVISION_OUT_OF_ORDER', event, `revision ${revision} comes after revision ${expectedRevision - 1} (position ${link.position}): events reordered, or a revision recorded twice`);
    }
    // After an unchained predecessor (already reported) any prevHash is accepted.
    if (link.hash !== null && prevHash !== null && prevHash !== link.hash) {
      findings.violation('BROKEN_LINK', event, `prevHash ${short(prevHash)} is not the hash ${short(link.hash)} of the stream's previous event (position ${link.position})`);
    }
    if (revision >= expectedRevision) {
      link.next = revision + 1;
      link.hash = event.chain?.hash ?? null;
      link.position = Number(event.position);
    }
    return link;
  };

  let checkingMs = 0;
  let waitingMs = 0;
  if (head !== null) {
    for await (const page of source.pages(head, targets)) {
      const checking = performance.now();
      processPage(page);
      pending.push({ events: page.events.map(({ position, stream, revision, chain }) => ({ position, stream, revision, chain })), hashes: page.hashes });
      const waiting = performance.now();
      checkingMs += waiting - checking;
      while (pending.length > readAhead) await settle(pending.shift()!);
      waitingMs += performance.now() - waiting;
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
      options.onProgress?.({ events: eventsRead, streams: streams.size, position: lastPosition ?? 0n, head, violations: findings.total });
    }
  }
  const draining = performance.now();
  while (pending.length > 0) await settle(pending.shift()!);
  waitingMs += performance.now() - draining;
  for (const { event, digest } of pendingDigests.splice(0)) {
    if (digest.treeSize > eventsRead) findings.violation('DIGEST_INVALID', event, `digest covers ${digest.treeSize} events but the ledger has ${eventsRead}`);
    else checkDigest(event, digest);
  }
  if (digestsSeen === 0 && eventsRead > 0) {
    findings.notice('NO_DIGESTS', null, 'the ledger records no Merkle digests: a stream rewritten with fresh hashes would pass the chain checks; pin the root below to catch that next time');
  }

  function processPage(page: SourcePage) {
    for (let i = 0; i < page.events.length; i++) {
      const event = page.events[i];
      if (lastPosition !== null && event.position <= lastPosition) {
        findings.violation('POSITION_OUT_OF_ORDER', event, `position ${event.position} after position ${lastPosition}`);
      } else if (source.contiguousPositions && event.position !== (lastPosition ?? 0n) + 1n) {
        const from = (lastPosition ?? 0n) + 1n;
        const to = event.position - 1n;
        findings.violation('POSITION_GAP', event, `position${from === to ? ` ${from} is` : `s ${from}–${to} are`} missing before it: event${from === to ? '' : 's'} removed`);
      }
      lastPosition = event.position;
      eventsRead++;
      if (targetSet.has(eventsRead)) leafAt.set(eventsRead, { position: event.position, id: event.id });
      const stream = checkLinks(event);
      const unreadable = page.unreadable.get(i);
      if (unreadable !== undefined) {
        findings.violation('UNREADABLE_EVENT', event, `data is not a JSON object: ${unreadable}`);
        continue;
      }
      if (isDigestEvent(event)) {
        digestsSeen++;
        try {
          const digest = digestOf(event);
          // docs/ledger-format.md: treeSize strictly increases along the digest stream.
          if (digest.treeSize <= lastDigestSize) findings.violation('DIGEST_INVALID', event, `treeSize ${digest.treeSize} does not grow past the previous digest's ${lastDigestSize}`);
          lastDigestSize = Math.max(lastDigestSize, digest.treeSize);
          pendingDigests.push({ event, digest });
        } catch (error) {
          findings.violation('DIGEST_INVALID', event, (error as Error).message);
        }
      }
      try {
        domain.apply(event, stream);
      } catch (error) {
        findings.violation('LEAD_LIFECYCLE', event, `event could not be checked: ${(error as Error).message}`);
      }
    }
  }

  const elapsedMs = performance.now() - started;
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  const checks = findings.checks();
  checks.chain.checked = { events: eventsRead, streams: streams.size };
  checks.digests.checked = { digests: digestsSeen, verified: digestsVerified };
  checks.exclusivity.checked = { leads: domain.counters.leads, routes: domain.counters.routes, deliveries: domain.counters.deliveries };
  checks.pace.checked = { automaticDecisions: domain.counters.automaticDecisions, refusals: domain.counters.refusals, overrides: domain.counters.overrides };
  checks.allocation.checked = { credits: domain.counters.credits, allocations: domain.routing.allocations.size };
  return {
    ok: findings.total === 0,
    ledger: { kind: source.kind, location: source.location, headPosition: head?.toString() ?? null },
    events: eventsRead,
    streams: streams.size,
    lastPosition: lastPosition === null ? null : String(lastPosition),
    elapsedMs,
    eventsPerSecond: elapsedMs > 0 ? Math.round((eventsRead / elapsedMs) * 1000) : 0,
    checks,
    violationCounts: findings.counts,
    violations: findings.violations.sort((a, b) => compareDecimal(a.position, b.position)),
    violationsNotListed: findings.total - findings.violations.length,
    notices: findings.notices,
    noticesNotListed: findings.noticesSeen - findings.notices.length,
    overrides: findings.overrides,
    overridesNotListed: domain.counters.overrides - findings.overrides.length,
    officerMonths: domain.officerMonths(),
    merkle: { digests: digestsSeen, verified: digestsVerified, treeSize: merkleValid ? frontier.size : 0, rootHash: merkleValid && frontier.size > 0 ? frontier.root().toString('hex') : null },
    timing: { checkingMs: Math.round(checkingMs), waitingForHashesMs: Math.round(waitingMs) },
    memory: { peakRssBytes: peakRss, trackedStreams: streams.size, openLeads: countOpenLeads(streams), borrowerKeys: domain.borrowerKeys },
  };
}

/** Collects findings; lists are bounded, counts are not. */
class Findings implements FindingSink {
  readonly violations: Violation[] = [];
  readonly notices: Notice[] = [];
  readonly overrides: OverrideEntry[] = [];
  readonly counts: Partial<Record<ViolationKind, number>> = {};
  total = 0;
  noticesSeen = 0;

  constructor(private readonly maxListed: number) {}

  violation(kind: ViolationKind, event: Pick<RecordedEvent, 'position' | 'stream' | 'revision'>, message: string): void {
    this.total++;
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
    if (this.violations.length < this.maxListed) {
      this.violations.push({ kind, position: event.position.toString(), stream: event.stream, revision: Number(event.revision), message });
    }
  }

  notice(kind: NoticeKind, event: Pick<RecordedEvent, 'position' | 'stream'> | null, message: string): void {
    this.noticesSeen++;
    if (this.notices.length < this.maxListed) this.notices.push({ kind, position: event?.position.toString() ?? null, stream: event?.stream ?? null, message });
  }

  override(entry: OverrideEntry): void {
    if (this.overrides.length < this.maxListed) this.overrides.push(entry);
  }

  checks(): VerificationReport['checks'] {
    const empty = (): VerificationReport['checks'][CheckName] => ({ checked: {}, violations: 0 });
    const checks = { chain: empty(), digests: empty(), exclusivity: empty(), pace: empty(), allocation: empty() };
    for (const [kind, count] of Object.entries(this.counts)) checks[VIOLATION_KINDS[kind as ViolationKind]].violations += count ?? 0;
    return checks;
  }
}

function countOpenLeads(streams: Map<string, StreamState>): number {
  let open = 0;
  for (const stream of streams.values()) if (isOpenLead(stream.lead)) open++;
  return open;
}

function short(hash: string): string {
  return `${hash.slice(0, 12)}…`;
}

function compareDecimal(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
