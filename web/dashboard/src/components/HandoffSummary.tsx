/**
 * The handoff summary at the top of a conversation: why it was handed over, what the contact
 * wants, what the bot already answered, the lead's fields and the earlier summary. Its strings
 * live here (pt-BR, en) so the card stays one self-contained file.
 */
import type { HandoffSummary as Summary } from '../../../../src/handoff/summary.ts';
import { type Language, useI18n } from '../i18n.tsx';

const STRINGS: Record<
  Language,
  { title: string; reason: string; wants: string; answered: string; lead: string; earlier: string }
> = {
  'pt-BR': {
    title: 'Resumo da transferência',
    reason: 'Motivo',
    wants: 'O que o contato quer',
    answered: 'O que o bot já respondeu',
    lead: 'Dados do lead',
    earlier: 'Antes disso',
  },
  en: {
    title: 'Handoff summary',
    reason: 'Reason',
    wants: 'What the contact wants',
    answered: 'What the bot already answered',
    lead: 'Lead fields',
    earlier: 'Before that',
  },
};

export function HandoffSummary(props: { summary: Summary | null | undefined }) {
  const { language } = useI18n();
  const s = STRINGS[language];
  const summary = props.summary;
  if (!summary) return null;
  const lead = Object.entries(summary.lead ?? {});
  return (
    <section className="card handoff-summary" data-testid="handoff-summary">
      <h3>{s.title}</h3>
      <dl>
        <dt>{s.reason}</dt>
        <dd>{summary.reason}</dd>
        {summary.wants.length > 0 && (
          <>
            <dt>{s.wants}</dt>
            {summary.wants.map((text, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: quotes repeat and never reorder.
              <dd key={i}>“{text}”</dd>
            ))}
          </>
        )}
        {summary.answered.length > 0 && (
          <>
            <dt>{s.answered}</dt>
            {summary.answered.map((text, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: quotes repeat and never reorder.
              <dd key={i}>“{text}”</dd>
            ))}
          </>
        )}
        {lead.length > 0 && (
          <>
            <dt>{s.lead}</dt>
            <dd>{lead.map(([field, value]) => `${field}: ${value}`).join(' · ')}</dd>
          </>
        )}
        {summary.earlier && (
          <>
            <dt>{s.earlier}</dt>
            <dd>{summary.earlier}</dd>
          </>
        )}
      </dl>
    </section>
  );
}
