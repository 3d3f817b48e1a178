'use client';
// A time series chart (recharts 3): lines over a time axis spanning the whole range, horizontal
// reference lines (thresholds) and vertical marks (phase transitions, red-flag trips), and an
// optional band (Area between low and high). Colours come with a legend and dashes, and every
// chart carries a text summary, so nothing is told by colour alone.
import { Area, CartesianGrid, ComposedChart, Legend, Line, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { fmt, timeLabel, timeTick, type TimeMark } from './time';

export interface SeriesDef {
  key: string;
  name: string;
  color: string;
  dashed?: boolean;
}

export interface HLine {
  y: number;
  label: string;
  color: string;
  dashed?: boolean;
}

export interface Band {
  lowKey: string;
  highKey: string;
  name: string;
  color: string;
}

export function TimeSeriesChart({
  data,
  from,
  to,
  series,
  lines = [],
  marks = [],
  band,
  unit,
  height = 220,
  yDomain,
  testId,
  label,
}: {
  data: Record<string, number | null>[];
  from: string;
  to: string;
  series: SeriesDef[];
  lines?: HLine[];
  marks?: TimeMark[];
  band?: Band;
  unit?: string | null;
  height?: number;
  yDomain?: [number | 'auto', number | 'auto'];
  testId?: string;
  /** the accessible name of the chart */
  label: string;
}) {
  const lo = new Date(from).getTime();
  const hi = new Date(to).getTime();
  // a band is drawn from a [low, high] pair per point
  const rows: Record<string, unknown>[] = band ? data.map((d) => ({ ...d, __band: d[band.lowKey] !== null && d[band.highKey] !== null ? [d[band.lowKey], d[band.highKey]] : null })) : data;
  // 'auto' gives round ticks; the reference lines extend it (ifOverflow="extendDomain") so a threshold far from the data stays in view
  const domain = yDomain ?? ['auto', 'auto'];
  const mid = (lo + hi) / 2;
  return (
    <div data-testid={testId} role="img" aria-label={label} className="w-full">
      <ResponsiveContainer width="100%" height={height}>
        <ComposedChart data={rows} margin={{ top: 18, right: 16, bottom: 4, left: 4 }} accessibilityLayer={false}>
          <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" />
          <XAxis dataKey="t" type="number" scale="time" domain={[lo, hi]} tickFormatter={(v: number) => timeTick(v, hi - lo)} tick={{ fontSize: 11, fill: '#475569' }} minTickGap={40} />
          <YAxis tick={{ fontSize: 11, fill: '#475569' }} width={56} domain={domain as never} tickFormatter={(v: number) => fmt(v)} />
          <Tooltip labelFormatter={(v) => timeLabel(Number(v))} formatter={(v) => (Array.isArray(v) ? `${fmt(Number(v[0]), unit)} – ${fmt(Number(v[1]), unit)}` : fmt(Number(v), unit))} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {band && <Area type="monotone" dataKey="__band" name={band.name} stroke="none" fill={band.color} fillOpacity={0.25} isAnimationActive={false} connectNulls={false} />}
          {series.map((s) => (
            <Line key={s.key} type="monotone" dataKey={s.key} name={s.name} stroke={s.color} strokeWidth={2} strokeDasharray={s.dashed ? '6 3' : undefined} dot={data.length < 40 ? { r: 2 } : false} isAnimationActive={false} connectNulls={false} />
          ))}
          {lines.map((l, i) => (
            <ReferenceLine key={`h${i}`} y={l.y} stroke={l.color} strokeDasharray={l.dashed ? '4 4' : undefined} strokeWidth={1.5} ifOverflow="extendDomain" label={{ value: l.label, position: 'insideTopLeft', fontSize: 11, fill: l.color }} />
          ))}
          {marks.map((m, i) => (
            <ReferenceLine
              key={`v${i}`}
              x={new Date(m.at).getTime()}
              stroke={m.kind === 'red-flag' ? '#b91c1c' : '#64748b'}
              strokeDasharray={m.kind === 'red-flag' ? undefined : '2 3'}
              ifOverflow="discard"
              // the label on the side with room: recent marks sit at the right edge
              label={{ value: m.kind === 'red-flag' ? `⚑ ${m.label}` : m.label, position: new Date(m.at).getTime() > mid ? 'insideBottomRight' : 'insideBottomLeft', fontSize: 10, fill: m.kind === 'red-flag' ? '#b91c1c' : '#334155' }}
            />
          ))}
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
