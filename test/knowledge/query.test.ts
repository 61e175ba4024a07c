import { describe, expect, it } from 'vitest';
import { searchQuery, stripCourtesy } from '../../src/knowledge/index.ts';

describe('reading a customer message for search', () => {
  it('drops greetings and courtesy, so a greeting followed by a question is the question', () => {
    expect(
      stripCourtesy('Bom dia! Tudo bem? Queria saber em quantas vezes posso parcelar, por favor'),
    ).toBe('em quantas vezes posso parcelar,');
    expect(stripCourtesy('Olá, boa tarde')).toBe('');
  });

  it('spells out chat abbreviations and keeps function words for ranking, not for topics', () => {
    const query = searchQuery('vcs abrem qdo?');
    expect(query.words).toEqual(['voces', 'abrem', 'quando']);
    expect(query.substantive).toEqual(['abrem']);
  });

  it('adds related customer-service terms the question does not use, but not its own words', () => {
    const parking = searchQuery('onde eu paro o carro?');
    expect(parking.related).toContain('estacionamento');
    expect(parking.related).not.toContain('paro');
    // A word matches its inflections: "castrar" finds the group that names "castração".
    expect(searchQuery('quero castrar minha cadela').related).toContain('cirurgia');
    // Nothing related to a question of function words only.
    expect(searchQuery('tem?').related).toEqual([]);
  });
});
