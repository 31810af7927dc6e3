import { describe, expect, it } from 'vitest';
import { parseLinksConfig } from '../../server/links/config';
import { applyTemplate, eventIdLinks, httpsUrl, templateProblem, type LinkedEvent } from '../../shared/links';

const ticket: LinkedEvent = {
  customerId: 'acme',
  kind: 'ticket',
  source: { system: 'zendesk', externalId: '1234' },
  links: { ticket: 'ZD-1234' },
  properties: {},
};

describe('link templates (issue 14)', () => {
  it('fills the placeholders, URL-encoded', () => {
    expect(applyTemplate('https://help.example.com/agent/{customerId}/tickets/{id}?x={externalId}', ticket, 'ZD 1/2')).toBe(
      'https://help.example.com/agent/acme/tickets/ZD%201%2F2?x=1234',
    );
  });

  it('refuses non-https templates and unknown placeholders when the server loads its config', () => {
    const load = (template: string) => () =>
      parseLinksConfig({ templates: [{ system: 'zendesk', kind: 'ticket', template }] }, 'links.json');
    expect(load('http://help.example.com/tickets/{id}')).toThrow(/https/);
    expect(load('javascript:alert({id})')).toThrow(/https/);
    expect(load('https://{customerId}.example.com/tickets/{id}')).toThrow(/host without placeholders/);
    expect(load('https://help.example.com/tickets/{ticketId}')).toThrow(/unknown placeholder \{ticketId\}/);
    expect(load('https://help.example.com/{generatorURL}')).toThrow(/whole template/);
    expect(load('https://user:secret@help.example.com/{id}')).toThrow(/password/);
    expect(() =>
      parseLinksConfig({
        templates: [
          { system: 'zendesk', kind: 'ticket', template: 'https://a.example.com/{id}' },
          { system: 'zendesk', kind: 'ticket', template: 'https://b.example.com/{id}' },
        ],
      }),
    ).toThrow(/second ticket template for zendesk/);
    expect(load('https://help.example.com/agent/tickets/{id}')()).toMatchObject({ templates: [{ system: 'zendesk' }] });
    expect(templateProblem('{generatorURL}')).toBeNull();
  });

  it('links only https addresses, whatever the event carries', () => {
    expect(httpsUrl('http://example.com')).toBeNull();
    expect(httpsUrl('javascript:alert(1)')).toBeNull();
    expect(httpsUrl('https://example.com/a')).toBe('https://example.com/a');
    const alert: LinkedEvent = {
      customerId: 'acme',
      kind: 'alert',
      source: { system: 'alertmanager', externalId: 'fp' },
      links: { url: 'javascript:alert(1)' },
      properties: { alertname: 'Lag' },
    };
    const templates = { templates: [{ system: 'alertmanager', kind: 'alert' as const, template: '{generatorURL}' }] };
    expect(eventIdLinks(alert, templates)).toEqual([{ kind: 'alert', id: 'Lag', url: null }]);
    // A template that somehow is not https (an older or hand-edited cache row) links nothing.
    expect(applyTemplate('http://help.example.com/{id}', ticket, '1')).toBeNull();
  });

  it('names the ticket id from the links, or a ticket event’s own id', () => {
    expect(eventIdLinks(ticket, null)).toEqual([{ kind: 'ticket', id: 'ZD-1234', url: null }]);
    expect(eventIdLinks({ ...ticket, links: {} }, null)).toEqual([{ kind: 'ticket', id: '1234', url: null }]);
    expect(eventIdLinks({ ...ticket, kind: 'deploy', links: {} }, null)).toEqual([]);
    // An address as the id links itself, if https.
    expect(eventIdLinks({ ...ticket, links: { incident: 'https://status.example.com/i/8' } }, null)).toContainEqual({
      kind: 'incident',
      id: 'https://status.example.com/i/8',
      url: 'https://status.example.com/i/8',
    });
  });

  it('links an id from another system by the only template of its kind', () => {
    const alert: LinkedEvent = { ...ticket, kind: 'alert', source: { system: 'alertmanager', externalId: 'fp' } };
    const one = { templates: [{ system: 'helpdesk', kind: 'ticket' as const, template: 'https://help.example.com/t/{id}' }] };
    expect(eventIdLinks(alert, one)).toEqual([{ kind: 'ticket', id: 'ZD-1234', url: 'https://help.example.com/t/ZD-1234' }]);
    const two = {
      templates: [...one.templates, { system: 'zendesk2', kind: 'ticket' as const, template: 'https://z.example.com/{id}' }],
    };
    expect(eventIdLinks(alert, two)).toEqual([{ kind: 'ticket', id: 'ZD-1234', url: null }]);
  });
});
