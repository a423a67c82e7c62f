import { basename } from 'node:path';
import React, { useEffect, useState } from 'react';
import { Box, Static, Text, useInput } from 'ink';
import Spinner from 'ink-spinner';
import { formatDuration, hostError, hostMessage, oneLine, stepLabel, withoutHostName } from '../format.ts';
import { summaryLines } from '../summary.ts';
import type { HostView, LogItem, StepView, ViewState } from '../view-state.ts';

const MARK: Record<string, { sign: string; color: string }> = {
  ok: { sign: '✔', color: 'green' },
  changed: { sign: '✔', color: 'yellow' },
  skipped: { sign: '-', color: 'gray' },
  failed: { sign: '✖', color: 'red' },
  waiting: { sign: '·', color: 'gray' },
};

function FinishedStep({ step, total }: { step: StepView; total: number }) {
  const mark = MARK[step.status] ?? MARK.ok!;
  const counts = new Map<string, number>();
  for (const h of step.hosts) counts.set(h.status, (counts.get(h.status) ?? 0) + 1);
  // One host: what it did says more than "1 ok" (`4/4 suppliers reachable`, `converged: …`).
  const only = step.hosts.length === 1 && step.hosts[0]!.status !== 'failed' ? withoutHostName(step.hosts[0]!.host, step.hosts[0]!.message) : '';
  const tally = only || [...counts].map(([status, count]) => `${count} ${status}`).join(', ');
  const failures = step.hosts.filter((h) => h.status === 'failed');
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text color={mark.color}>{mark.sign}</Text> {stepLabel(step.index, total)} {step.name}{' '}
        <Text dimColor>
          {formatDuration(step.durationMs ?? 0)}
          {tally ? `  ${tally}` : ''}
        </Text>
      </Text>
      {failures.map((h) => (
        <Text key={h.host} color="red" wrap="truncate-end">
          {'    '}
          {h.host}: {hostError(step.index, h.host, h.error) || 'failed'}
        </Text>
      ))}
    </Box>
  );
}

function LogLine({ item }: { item: LogItem }) {
  switch (item.kind) {
    case 'run':
      return (
        <Text bold wrap="truncate-end">
          Run {item.runId}: {basename(item.playbook).replace(/\.ya?ml$/, '')} on {item.hosts.join(', ')} ({item.steps} steps)
        </Text>
      );
    case 'summary':
      return (
        <Box flexDirection="column">
          {item.lines.map((l, i) => (
            // Word-wrapped by ink (never by the terminal): every line here is something to read.
            <Text key={i} bold={i === 0}>
              {l.startsWith(' ') ? '  ' + l.trim() : l}
            </Text>
          ))}
        </Box>
      );
    case 'step':
      return <FinishedStep step={item.step} total={item.total} />;
    case 'warning':
      return (
        // Word-wrapped by ink, not cut: a warning is something to read in full.
        <Text color="yellow">
          ! {hostMessage(item.host, item.message)}
        </Text>
      );
    case 'undo':
      return (
        <Text color={item.failed ? 'red' : 'cyan'} wrap="truncate-end">
          ↩ {item.host} {oneLine(item.text)}
        </Text>
      );
  }
}

/** One line per host, never wrapped: a long message is cut at the terminal's edge. */
function HostLine({ host, now }: { host: HostView; now: number }) {
  const name = host.host.padEnd(12);
  if (host.status === 'running') {
    const elapsed = host.startedAt !== undefined ? `${Math.max(0, Math.floor((now - host.startedAt) / 1000))}s` : "";
    return (
      <Text wrap="truncate-end">
        {'  '}
        <Text color="cyan">
          <Spinner type="dots" />
        </Text>{' '}
        {name} <Text dimColor>{elapsed.padEnd(4)}</Text> {withoutHostName(host.host, host.message)}
      </Text>
    );
  }
  const mark = MARK[host.status] ?? MARK.waiting!;
  const detail = host.status === 'failed' ? oneLine(host.error ?? '') : withoutHostName(host.host, host.message);
  return (
    <Text wrap="truncate-end">
      {'  '}
      <Text color={mark.color}>{mark.sign}</Text> {name} {host.status}
      {host.durationMs !== undefined ? <Text dimColor> {formatDuration(host.durationMs)}</Text> : null}
      {detail ? ` ${detail}` : ''}
    </Text>
  );
}

function CurrentStep({ step, total, now }: { step: StepView; total: number; now: number }) {
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">
        {stepLabel(step.index, total)} {step.name} <Text dimColor>{step.action}</Text>
      </Text>
      {step.hosts.map((h) => (
        <HostLine key={h.host} host={h} now={now} />
      ))}
    </Box>
  );
}

/** Before step 1: a host that does not answer can hold this for a while; the seconds show it is alive. */
function Connecting({ hosts, since, now }: { hosts: number; since: number; now: number }) {
  return (
    <Text wrap="truncate-end">
      <Text color="cyan">
        <Spinner type="dots" />
      </Text>{' '}
      connecting to {hosts} host(s), checking their host keys <Text dimColor>{Math.max(0, Math.floor((now - since) / 1000))}s</Text>
    </Text>
  );
}

function Question({ text, onAnswer }: { text: string; onAnswer: (yes: boolean, interrupted?: boolean) => void }) {
  useInput((input, key) => {
    if (key.ctrl && input === 'c') onAnswer(false, true);
    else if (input.toLowerCase() === 'y') onAnswer(true);
    else if (input.toLowerCase() === 'n' || key.return || key.escape) onAnswer(false);
  });
  return (
    <Text>
      <Text color="magenta">?</Text> {text} <Text dimColor>(y/N)</Text>
    </Text>
  );
}

export interface LiveViewProps {
  state: ViewState;
  /** `interrupted`: the answer was Ctrl-C (raw mode swallows the SIGINT the terminal would send). */
  onAnswer?: (yes: boolean, interrupted?: boolean) => void;
  /** Clock for elapsed times; tests pass a fixed one. */
  now?: () => number;
}

/** The live view: finished steps above (static), the current step with one spinner per host. */
export function LiveView({ state, onAnswer, now = Date.now }: LiveViewProps) {
  const [, setTick] = useState(0);
  const running = (state.current !== undefined || state.connecting !== undefined) && !state.outcome;
  useEffect(() => {
    if (!running) return;
    // Re-render once a second so elapsed times move even when no event arrives.
    const timer = setInterval(() => setTick((t) => t + 1), 1000);
    return () => clearInterval(timer);
  }, [running]);
  const failedStep = state.outcome?.failed?.step;
  const failedItem = state.log.find((i) => i.kind === 'step' && i.step.index === failedStep);
  return (
    <Box flexDirection="column">
      <Static items={state.log}>{(item) => <LogLine key={item.key} item={item} />}</Static>
      {state.connecting && !state.outcome ? <Connecting hosts={state.connecting.hosts} since={state.connecting.since} now={now()} /> : null}
      {state.current && !state.outcome ? <CurrentStep step={state.current} total={state.totalSteps} now={now()} /> : null}
      {state.question && onAnswer ? <Question text={state.question} onAnswer={onAnswer} /> : null}
      {state.outcome ? (
        <Box flexDirection="column" marginTop={1}>
          {summaryLines(state.outcome, state.done?.durationMs, failedItem?.kind === 'step' ? failedItem.step.name : undefined).map(
            (line, i) => (
              <Text key={i} color={i === 0 ? (state.outcome!.status === 'done' ? 'green' : 'red') : undefined} bold={i === 0}>
                {line}
              </Text>
            ),
          )}
        </Box>
      ) : null}
    </Box>
  );
}
