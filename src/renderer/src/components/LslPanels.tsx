import { lslApi } from '../api/endpoints'
import { Badge, EmptyState, ErrorNote, Skeleton } from './ui/ui'
import { useQuery } from '../hooks/use-query'

/** XPath string literal for a value (LSL predicates have no escapes: pick the other quote). */
function literal(value: string): string {
  return value.includes("'") ? `"${value}"` : `'${value}'`
}

/**
 * The connect form's part for `--device lsl:`: the predicate, and the LSL streams on the network
 * beside it (picking one fills in a predicate naming it by name, type and host).
 */
export function LslStreamsFieldset({ predicate, onPredicate }: { predicate: string; onPredicate: (predicate: string) => void }) {
  const streams = useQuery(() => lslApi.streams(), [])
  return (
    <fieldset className="ports" data-testid="lsl-streams">
      <legend>
        LSL streams{' '}
        <button type="button" className="btn btn-small" onClick={() => void streams.reload()}>
          Rescan
        </button>
      </legend>
      <ErrorNote error={streams.error} />
      {streams.isLoading && !streams.data ? (
        <Skeleton lines={2} label="Looking for LSL streams" />
      ) : !streams.data?.data.length ? (
        <EmptyState title="No LSL streams found">
          <p>Start the amplifier's LSL app and press Rescan. Across subnets, add its host to lsl.knownPeers (docs/lsl.md).</p>
        </EmptyState>
      ) : (
        streams.data.data.map((s) => {
          const pick = `name=${literal(s.name)} and type=${literal(s.type)} and hostname=${literal(s.hostname)}`
          return (
            <label key={s.uid} className="radio">
              <input type="radio" name="lsl-stream" value={s.uid} disabled={!s.is_recordable} checked={predicate === pick} onChange={() => onPredicate(pick)} />
              <span className="mono">{s.name}</span>
              <span className="muted">
                {s.type || 'no type'} · {s.channel_count} ch {s.channel_format} · {s.nominal_srate_hz > 0 ? `${s.nominal_srate_hz} Hz` : 'irregular'} · {s.hostname} ({s.address})
                {!s.is_recordable && ' — not a regular numeric stream'}
              </span>
            </label>
          )
        })
      )}
      <label>
        <span>
          Predicate <span className="muted">(XPath on the stream info, e.g. type='EEG' and name='LiveAmp')</span>
        </span>
        <input value={predicate} onChange={(e) => onPredicate(e.target.value)} placeholder="type='EEG'" className="mono" data-testid="lsl-predicate" />
      </label>
    </fieldset>
  )
}

/** What the station publishes over LSL (`--lsl`), so the operator knows what the network can read. */
export function LslOutletsPanel() {
  const outlets = useQuery(() => lslApi.outlets(), [], { intervalMs: 5000 })
  const o = outlets.data
  return (
    <section className="panel" aria-labelledby="lsl-outlets" data-testid="lsl-outlets">
      <h3 id="lsl-outlets">LSL outlets</h3>
      <ErrorNote error={outlets.error} />
      {!o ? null : !o.enabled ? (
        <p className="muted">Off. Start the station with --lsl to publish recording sessions over LSL (no authentication: anyone on the network can read them).</p>
      ) : o.data.length === 0 ? (
        <p className="muted">On; nothing is live until a session records.</p>
      ) : (
        <ul className="stack">
          {o.data.map((outlet) => (
            <li key={outlet.uid}>
              <Badge tone={outlet.consumers > 0 ? 'ok' : 'muted'}>{outlet.consumers > 0 ? `${outlet.consumers} reading` : 'no reader'}</Badge> <span className="mono">{outlet.name}</span>{' '}
              <span className="muted">
                {outlet.type} · port {outlet.data_port} · {outlet.source_id}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
