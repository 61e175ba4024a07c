/**
 * What people read about handoffs, in the tenant's language: the Slack notice's reason and
 * trigger (issue 20: "Motivo: human_request: the contact asked for a person"), and the note shown
 * where the release marker sits instead of the marker's instruction to the model.
 */
import { describe, expect, it } from 'vitest';
import { releaseCountsOf, releaseNote } from '../../src/handoff/index.ts';
import { handoffNotice } from '../../src/handoff/messages.ts';

const NOTICE = {
  tenant: 'Acme',
  contact: 'Ana (5511999990000)',
  channel: 'whatsapp',
  reason: 'human_request: the contact asked for a person',
  trigger: 'escalation',
  conversationId: 'c-1',
};

describe('handoff texts for people', () => {
  it('writes the Slack notice’s reason and trigger in Portuguese by default', () => {
    const text = handoffNotice('', NOTICE);
    expect(text).toContain(
      'Motivo: o contato pediu para falar com uma pessoa (escalonamento automático)',
    );
    expect(text).not.toMatch(/human_request|the contact asked/);
  });

  it('writes them in English for an English tenant, and keeps a free-text reason as written', () => {
    expect(handoffNotice('en', NOTICE)).toContain(
      'Reason: the contact asked for a person (automatic escalation)',
    );
    expect(
      handoffNotice('pt-BR', { ...NOTICE, reason: 'cliente irritado', trigger: 'tool' }),
    ).toContain('Motivo: cliente irritado (decisão do bot)');
  });

  it('describes a release to people without the model’s instruction', () => {
    const counts = releaseCountsOf({
      kind: 'handoff_marker',
      contact_messages: 2,
      operator_messages: 1,
    });
    expect(counts).toEqual({ contactMessages: 2, operatorMessages: 1 });
    const note = releaseNote('pt-BR', counts as NonNullable<typeof counts>);
    expect(note).toContain('Atendimento humano encerrado');
    expect(note).not.toMatch(/repita|contradiga/);
    expect(releaseCountsOf({ kind: 'something else' })).toBeUndefined();
  });
});
