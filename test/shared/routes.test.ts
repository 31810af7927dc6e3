import { describe, expect, it } from 'vitest';
import { parseDeepLink, parseHash, routeToDeepLink, routeToHash } from '../../shared/routes';

describe('parseDeepLink', () => {
  it.each([
    ['lightkeeper://fleet', { view: 'fleet' }],
    ['lightkeeper://wizards', { view: 'wizards' }],
    ['lightkeeper://customer/acme-corp', { view: 'customer', customerId: 'acme-corp' }],
    ['lightkeeper://customer/acme_2.eu/', { view: 'customer', customerId: 'acme_2.eu' }],
    ['lightkeeper://customer/acme?at=2026-11-20T10:15:00Z', { view: 'customer', customerId: 'acme', at: '2026-11-20T10:15:00Z' }],
  ])('accepts %s', (link, route) => {
    expect(parseDeepLink(link)).toEqual({ ok: true, route });
  });

  it.each([
    ['javascript:alert(1)', 'only lightkeeper'],
    ['https://customer/acme', 'only lightkeeper'],
    ['file:///etc/passwd', 'only lightkeeper'],
    ['lightkeeper://customer/../../etc/passwd', 'traversal'],
    ['lightkeeper://customer/%2e%2e%2fsecrets', 'traversal'],
    ['lightkeeper://customer/a%2Fb', 'traversal'],
    ['lightkeeper://customer/acme/extra', 'customer/<id>'],
    ['lightkeeper://customer/', 'customer/<id>'],
    ['lightkeeper://customer/-leading-dash', 'not a valid customer id'],
    ['lightkeeper://customer/<script>', 'not a valid customer id'],
    ['lightkeeper://customer/acme?at=yesterday', 'ISO time'],
    ['lightkeeper://customer/acme?at=2026-13-45T99:00:00Z', 'ISO time'],
    ['lightkeeper://settings', 'unknown route'],
    ['lightkeeper://user:pw@customer/acme', 'credentials'],
    ['lightkeeper://customer:8080/acme', 'credentials and ports'],
    ['not a url', 'not a URL'],
    [`lightkeeper://customer/${'a'.repeat(3000)}`, 'too long'],
  ])('rejects %s', (link, reason) => {
    const parsed = parseDeepLink(link);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(reason);
  });
});

describe('hash routes', () => {
  it('round-trips a customer route with a time through the hash and the deep link', () => {
    const route = { view: 'customer' as const, customerId: 'acme', at: '2026-11-20T10:15:00.000Z' };
    const hash = routeToHash(route);
    expect(hash).toBe('#/customer/acme?at=2026-11-20T10%3A15%3A00.000Z');
    expect(parseHash(hash)).toEqual({ ok: true, route });
    expect(parseDeepLink(routeToDeepLink(route))).toEqual({ ok: true, route });
  });

  it('treats an empty hash as the fleet and refuses traversal', () => {
    expect(parseHash('')).toEqual({ ok: true, route: { view: 'fleet' } });
    expect(parseHash('#/customer/..').ok).toBe(false);
    expect(parseHash('#/nowhere').ok).toBe(false);
  });
});
