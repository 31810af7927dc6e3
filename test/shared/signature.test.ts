import { describe, expect, it } from 'vitest';
import { SignatureSchema } from '../../shared/domain';
import { eventSignature, normaliseSignatureValue, type SignatureInput } from '../../shared/signature';

const firing: SignatureInput = {
  customerId: 'acme',
  kind: 'alert',
  summary: 'SSO login failures above threshold',
  feature: 'sso',
  properties: { status: 'open', thread: 'am-1', alertname: 'SsoLoginFailures', job: 'exp-1841', value: 12, threshold: 5 },
};

describe('eventSignature', () => {
  it('keeps the values it returned when it shipped (history stays grouped across releases)', () => {
    // A change here breaks grouping of every stored signal: bump SIGNATURE_VERSION instead of editing these.
    expect(eventSignature(firing)).toBe('alert:ssologinfailures:8d7bec001009c02a');
    expect(
      eventSignature({
        customerId: 'acme',
        kind: 'alert',
        summary: 'x',
        feature: 'exports',
        properties: {
          labels: {
            alertname: 'ExportLag',
            tenant: 'acme-prod',
            instance: '10.0.0.1:9090',
            service: 'export-worker',
            severity: 'critical',
          },
        },
      }),
    ).toBe('alert:exportlag:f7a13e0f7043b458');
    expect(
      eventSignature({
        customerId: 'acme',
        kind: 'error_spike',
        summary: 'sso: error rate 12× baseline for 7 minutes',
        feature: 'sso',
        properties: {},
      }),
    ).toBe('error:sso-error-rate-#-baseline-for-#-minutes:a9bb90300cceda9b');
    expect(
      eventSignature({
        customerId: 'acme',
        kind: 'error',
        summary: 'TypeError',
        feature: null,
        properties: { fingerprint: ['{{ default }}', 'checkout'] },
      }),
    ).toBe('error:typeerror:d8789d96183b4a5a');
    expect(
      eventSignature({
        customerId: 'acme',
        kind: 'incident',
        summary: 'INC-2041: Exports failing in eu-west-1',
        feature: 'exports',
        properties: {},
      }),
    ).toBe('incident:exports-failing-in-eu-west-#:02f344d18de6a97e');
  });

  it('is the same failure on another customer, host, notification or severity', () => {
    const base = eventSignature(firing);
    expect(
      eventSignature({
        ...firing,
        customerId: 'globex',
        summary: 'SSO login failures above threshold (again)',
        properties: {
          ...firing.properties,
          thread: 'am-2',
          status: 'resolved',
          job: 'exp-1902',
          value: 40,
          severity: 'critical',
          instance: 'host-7:9100',
          customer: 'globex',
          region: 'us-east-1',
        },
      }),
    ).toBe(base);
    // A label whose value is the customer id names where, not what.
    expect(eventSignature({ ...firing, properties: { ...firing.properties, shop: 'acme' } })).toBe(base);
    // Label order and case of names do not matter.
    expect(
      eventSignature({ ...firing, properties: { threshold: 5, value: 12, Job: 'exp-1841', alertname: 'SsoLoginFailures' } }),
    ).toBe(base);
  });

  it('is another failure for another alert name, feature or identifying label', () => {
    const base = eventSignature(firing);
    expect(eventSignature({ ...firing, properties: { ...firing.properties, alertname: 'SsoLatency' } })).not.toBe(base);
    expect(eventSignature({ ...firing, feature: 'exports' })).not.toBe(base);
    expect(eventSignature({ ...firing, properties: { ...firing.properties, service: 'idp-proxy' } })).not.toBe(base);
  });

  it("uses an error tracker's fingerprint as given, whatever the message says", () => {
    const one = eventSignature({
      customerId: 'a',
      kind: 'error',
      summary: 'TypeError: x is undefined',
      properties: { fingerprint: 'f1' },
    });
    const two = eventSignature({ customerId: 'b', kind: 'error', summary: 'TypeError: y', properties: { fingerprint: 'f1' } });
    const other = eventSignature({
      customerId: 'a',
      kind: 'error',
      summary: 'TypeError: x is undefined',
      properties: { fingerprint: 'f2' },
    });
    expect(one?.split(':')[2]).toBe(two?.split(':')[2]);
    expect(other).not.toBe(one);
  });

  it('gives kinds that are not failures no signature, and every signature matches its schema', () => {
    expect(eventSignature({ customerId: 'a', kind: 'deploy', summary: 'Deployed 5.2', properties: {} })).toBeNull();
    expect(
      eventSignature({ customerId: 'a', kind: 'ticket', summary: 'ZD-1', properties: { status: 'open', thread: 'ZD-1' } }),
    ).toBeNull();
    for (const summary of ['', '!!!', 'é'.repeat(500), 'a:b:c']) {
      const signature = eventSignature({ customerId: 'a', kind: 'alert', summary, properties: {} });
      expect(SignatureSchema.safeParse(signature).success, `${summary} → ${signature}`).toBe(true);
    }
  });
});

describe('normaliseSignatureValue', () => {
  it('takes out what varies between occurrences', () => {
    expect(normaliseSignatureValue('  Export-Worker-12 ')).toBe('export-worker-#');
    expect(normaliseSignatureValue('req 3f2b9c1d-0a4e-4b7f-9c2d-1e2f3a4b5c6d failed')).toBe('req <id> failed');
    expect(normaliseSignatureValue('commit 9fceb02d0ae598e95dc970b74767f19372d61af8')).toBe('commit <id>');
    expect(normaliseSignatureValue('a   b\tc')).toBe('a b c');
  });
});
