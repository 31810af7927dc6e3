import { PROVISIONING_STEP_FEATURES } from './catalog';
import { DAY, HOUR, MINUTE, alertOpen, iso, ticketOpen, ticketResolved } from './events';
import { lastScheduledRun, nextTicket, type CustomerContext, type FaultRole, type PlannedRelease } from './model';
import type { DemoCustomerState, DemoRegression, DemoSymptom } from './types';

/**
 * The faulty customers' stories: the change that broke each one, right before
 * its first symptom, and the symptoms (open alerts and tickets) recorded in the
 * state so recovery can close them.
 */

/** The provisioning step each provisioning fault fails on, and the error it leaves. */
export const FAILING_STEP: Partial<Record<FaultRole, { step: string; error: string }>> = {
  provisioning_dns: { step: 'dns', error: 'DNS verification failed: TXT record _lightkeeper-verify not found for app.{domain}' },
  provisioning_import: {
    step: 'data_import',
    error: "Import aborted: 1,204 rows rejected in accounts.csv (column 'account_id' missing)",
  },
};

/** Records a symptom event in the state, so recovery can later resolve it. */
function addSymptom(state: DemoCustomerState, symptom: DemoSymptom): void {
  state.symptoms = [...(state.symptoms ?? []), symptom];
}

const REGRESSION: Omit<DemoRegression, 'version' | 'previousVersion'> = {
  feature: 'billing_sync',
  signature: 'netsuite-subsidiary-required',
  error: "NetSuite connector: 422 Unprocessable Entity — field 'subsidiary' is required",
};

export function buildFaultStory(
  ctx: CustomerContext,
  releases: readonly PlannedRelease[],
  versionBefore: Map<string, string>,
): void {
  const { random, history, profile, state, tickets, window, contact, engineer } = ctx;
  const now = window.nowMs;
  const id = profile.id;
  switch (profile.role) {
    case 'sso_enforced': {
      const providerAt = now - 30 * HOUR - random.int(0, 90) * MINUTE;
      const admin = contact();
      history.add(providerAt, {
        system: 'config',
        kind: 'config_change',
        severity: 'notice',
        actor: admin,
        summary: 'sso.provider: okta → azure_ad',
        body: 'Switching our identity provider to Azure AD. Federation metadata XML will be uploaded by IT.',
        feature: 'sso',
        prevValue: 'okta',
        newValue: 'azure_ad',
        properties: { key: 'sso.provider' },
      });
      state.config['sso.provider'] = 'azure_ad';
      if (state.idp) state.idp.metadataReady = false;
      const requestTicket = nextTicket(tickets);
      const requestAt = now - 8 * HOUR - random.int(0, 60) * MINUTE;
      const requestSubject = 'Please enforce SSO for all users';
      history.push(
        ticketOpen({
          customerId: id,
          at: requestAt,
          externalId: history.nextId('zendesk'),
          ticket: requestTicket,
          subject: requestSubject,
          requester: admin,
          message: 'We moved to Azure AD. Please make SSO mandatory for everyone so nobody uses passwords any more.',
          feature: 'sso',
        }),
      );
      const enforceAt = now - 5 * HOUR - random.int(0, 40) * MINUTE;
      const agent = engineer();
      history.add(enforceAt, {
        system: 'flags',
        kind: 'flag_change',
        severity: 'notice',
        actor: agent,
        summary: 'sso.enforce enabled',
        body: `Enforced SSO for all users as requested in ${requestTicket}.`,
        feature: 'sso',
        prevValue: false,
        newValue: true,
        links: { ticket: requestTicket },
        properties: { key: 'sso.enforce' },
      });
      state.flags['sso.enforce'] = true;
      history.push(
        ticketResolved({
          customerId: id,
          at: enforceAt + 2 * MINUTE,
          externalId: history.nextId('zendesk'),
          ticket: requestTicket,
          subject: requestSubject,
          agent,
          resolution: 'SSO is now enforced for all users.',
          feature: 'sso',
        }),
      );
      const failures = random.int(300, 700);
      history.add(enforceAt + 2 * MINUTE, {
        system: 'alertmanager',
        kind: 'error_spike',
        severity: 'error',
        actor: null,
        summary: `sso: ${failures} failed SAML logins in 10 minutes`,
        body: '```\nSAML response rejected: no IdP metadata configured for azure_ad\n```',
        feature: 'sso',
        properties: { failures, error: 'SAML response rejected: no IdP metadata configured for azure_ad' },
      });
      const thread = `am-sso-login-failures-${id}`;
      const summary = 'SSO login failure rate 100% (threshold 10%)';
      history.push(
        alertOpen({
          customerId: id,
          at: enforceAt + 4 * MINUTE,
          externalId: history.nextId('alertmanager'),
          thread,
          alertname: 'SsoLoginFailures',
          severity: 'critical',
          summary,
          feature: 'sso',
          value: '100%',
          threshold: '10%',
        }),
      );
      addSymptom(state, {
        fault: 'sso_enforced_without_idp',
        kind: 'alert',
        thread,
        feature: 'sso',
        summary,
        openedAt: iso(enforceAt + 4 * MINUTE),
        name: 'SsoLoginFailures',
      });
      const ticket = nextTicket(tickets);
      const subject = 'Users cannot sign in — SAML error';
      history.push(
        ticketOpen({
          customerId: id,
          at: enforceAt + 25 * MINUTE,
          externalId: history.nextId('zendesk'),
          ticket,
          subject,
          requester: contact(),
          message:
            'Nobody in our company can log in since this morning. The login page says "SAML response could not be validated".',
          severity: 'error',
          feature: 'sso',
        }),
      );
      addSymptom(state, {
        fault: 'sso_enforced_without_idp',
        kind: 'ticket',
        thread: ticket,
        feature: 'sso',
        summary: subject,
        openedAt: iso(enforceAt + 25 * MINUTE),
        name: ticket,
      });
      history.add(enforceAt + 65 * MINUTE, {
        system: 'analytics',
        kind: 'usage_drop',
        severity: 'warning',
        actor: null,
        summary: `Active sessions down ${random.int(90, 97)}% against the same hour last week`,
        body: null,
        feature: 'sso',
        properties: {},
      });
      return;
    }
    case 'entitlement_missing': {
      const ticket = nextTicket(tickets);
      const at = now - DAY - random.int(0, 8) * HOUR;
      const subject = 'Audit log not visible after upgrading to Pro';
      history.push(
        ticketOpen({
          customerId: id,
          at,
          externalId: history.nextId('zendesk'),
          ticket,
          subject,
          requester: contact(),
          message:
            'We upgraded to Pro on Monday mainly for the audit log, but the Audit log menu is not there for any of our admins.',
          severity: 'warning',
          feature: 'audit_log',
        }),
      );
      addSymptom(state, {
        fault: 'feature_entitlement_mismatch',
        kind: 'ticket',
        thread: ticket,
        feature: 'audit_log',
        summary: subject,
        openedAt: iso(at),
        name: ticket,
      });
      return;
    }
    case 'entitlement_unpaid': {
      const ticket = nextTicket(tickets);
      const at = now - 2 * DAY - random.int(0, 8) * HOUR;
      const subject = 'Entitlement audit: data_import enabled on the Starter plan';
      history.push(
        ticketOpen({
          customerId: id,
          at,
          externalId: history.nextId('billing'),
          ticket,
          subject,
          requester: 'billing-audit',
          message: `Nightly entitlement audit: feature.data_import is on, but plan starter does not include data_import (downgraded from pro).`,
          severity: 'notice',
          feature: 'data_import',
          system: 'billing',
        }),
      );
      addSymptom(state, {
        fault: 'feature_entitlement_mismatch',
        kind: 'ticket',
        thread: ticket,
        feature: 'data_import',
        summary: subject,
        openedAt: iso(at),
        name: ticket,
      });
      return;
    }
    case 'provisioning_dns':
    case 'provisioning_import': {
      const failed = state.provisioning.find((step) => step.status === 'failed');
      if (!failed) throw new Error(`fault story for ${id}: no failed provisioning step`);
      const failedAt = Date.parse(failed.updatedAt);
      const thread = `am-provisioning-${failed.step}-${id}`;
      const summary = `Provisioning step ${failed.step} failed and is not being retried`;
      const feature = PROVISIONING_STEP_FEATURES[failed.step] ?? null;
      history.push(
        alertOpen({
          customerId: id,
          at: failedAt + 2 * MINUTE,
          externalId: history.nextId('alertmanager'),
          thread,
          alertname: 'ProvisioningStepFailed',
          severity: 'error',
          summary,
          feature,
          extra: { step: failed.step },
        }),
      );
      addSymptom(state, {
        fault: 'provisioning_stuck',
        kind: 'alert',
        thread,
        feature,
        summary,
        openedAt: iso(failedAt + 2 * MINUTE),
        name: 'ProvisioningStepFailed',
      });
      const ticket = nextTicket(tickets);
      const at = now - 2 * DAY - random.int(0, 12) * HOUR;
      const subject = failed.step === 'dns' ? 'Our new workspace is still not ready' : 'Initial data import failed';
      const message =
        failed.step === 'dns'
          ? `We added the TXT record for app.${profile.domain} on Monday, but the onboarding page still says "verifying domain".`
          : 'The onboarding page shows the data import as failed. We fixed the accounts.csv file since; can you run it again?';
      history.push(
        ticketOpen({
          customerId: id,
          at,
          externalId: history.nextId('zendesk'),
          ticket,
          subject,
          requester: contact(),
          message,
          severity: 'warning',
          feature,
        }),
      );
      addSymptom(state, {
        fault: 'provisioning_stuck',
        kind: 'ticket',
        thread: ticket,
        feature,
        summary: subject,
        openedAt: iso(at),
        name: ticket,
      });
      return;
    }
    case 'export_schedule': {
      const changeAt = now - 9 * HOUR - random.int(0, 50) * MINUTE;
      const broken = '*/30 * * *';
      history.add(changeAt, {
        system: 'config',
        kind: 'config_change',
        severity: 'info',
        actor: contact(),
        summary: `exports.schedule: */30 * * * * → ${broken}`,
        body: 'Changed in the admin console: "every 30 minutes, business days".',
        feature: 'exports',
        prevValue: '*/30 * * * *',
        newValue: broken,
        properties: { key: 'exports.schedule' },
      });
      state.config['exports.schedule'] = broken;
      const job = state.jobs.find((candidate) => candidate.kind === 'export');
      if (!job) throw new Error(`fault story for ${id}: no export job`);
      job.schedule = broken;
      job.lastRunAt = iso(lastScheduledRun('*/30 * * * *', changeAt));
      job.lagMinutes = Math.floor((now - Date.parse(job.lastRunAt)) / MINUTE);
      const thread = `am-export-lag-${id}`;
      const summary = 'Export job lag above 2h';
      const firstAt = Date.parse(job.lastRunAt) + 2 * HOUR + 5 * MINUTE;
      history.push(
        alertOpen({
          customerId: id,
          at: firstAt,
          externalId: history.nextId('alertmanager'),
          thread,
          alertname: 'ExportLagHigh',
          severity: 'warning',
          summary,
          feature: 'exports',
          value: '2h 5m',
          threshold: '2h',
          extra: { job: job.id },
        }),
      );
      history.push(
        alertOpen({
          customerId: id,
          at: firstAt + 4 * HOUR,
          externalId: history.nextId('alertmanager'),
          thread,
          alertname: 'ExportLagHigh',
          severity: 'error',
          summary: 'Export job lag above 6h',
          feature: 'exports',
          value: '6h 5m',
          threshold: '2h',
          extra: { job: job.id },
        }),
      );
      addSymptom(state, {
        fault: 'export_lag',
        kind: 'alert',
        thread,
        feature: 'exports',
        summary,
        openedAt: iso(firstAt),
        name: 'ExportLagHigh',
      });
      const ticket = nextTicket(tickets);
      const at = now - HOUR - random.int(0, 30) * MINUTE;
      const subject = 'Export files missing in our S3 bucket since this morning';
      history.push(
        ticketOpen({
          customerId: id,
          at,
          externalId: history.nextId('zendesk'),
          ticket,
          subject,
          requester: contact(),
          message: `The last file in ${String(state.config['exports.destination'])} is from ${job.lastRunAt.slice(11, 16)} UTC. Our reporting is stale.`,
          severity: 'warning',
          feature: 'exports',
        }),
      );
      addSymptom(state, {
        fault: 'export_lag',
        kind: 'ticket',
        thread: ticket,
        feature: 'exports',
        summary: subject,
        openedAt: iso(at),
        name: ticket,
      });
      return;
    }
    case 'export_worker': {
      const deployAt = now - 14 * HOUR - random.int(10, 50) * MINUTE;
      history.add(deployAt, {
        system: 'deploybot',
        kind: 'deploy',
        severity: 'info',
        actor: 'deploybot',
        summary: `Deployed export-worker 5.8.2 to the ${profile.region} cell`,
        body: 'Rolling deploy of **export-worker** 5.8.2 (new Parquet writer); no product version change.',
        feature: 'exports',
        properties: { component: 'export-worker', build: '5.8.2', region: profile.region },
      });
      const job = state.jobs.find((candidate) => candidate.kind === 'export');
      if (!job) throw new Error(`fault story for ${id}: no export job`);
      job.worker = 'stuck';
      job.lastRunAt = iso(deployAt + 6 * MINUTE);
      job.lagMinutes = Math.floor((now - Date.parse(job.lastRunAt)) / MINUTE);
      const heartbeatThread = `am-export-worker-heartbeat-${id}`;
      const heartbeatSummary = `Export worker for ${job.id} sends no heartbeat`;
      history.push(
        alertOpen({
          customerId: id,
          at: deployAt + 21 * MINUTE,
          externalId: history.nextId('alertmanager'),
          thread: heartbeatThread,
          alertname: 'ExportWorkerHeartbeatMissing',
          severity: 'error',
          summary: heartbeatSummary,
          feature: 'exports',
          extra: { job: job.id, worker: `export-worker-${random.int(1, 12)}` },
        }),
      );
      addSymptom(state, {
        fault: 'export_lag',
        kind: 'alert',
        thread: heartbeatThread,
        feature: 'exports',
        summary: heartbeatSummary,
        openedAt: iso(deployAt + 21 * MINUTE),
        name: 'ExportWorkerHeartbeatMissing',
      });
      const lagThread = `am-export-lag-${id}`;
      const lagSummary = 'Export job lag above 2h';
      const lagAt = Date.parse(job.lastRunAt) + 2 * HOUR + 5 * MINUTE;
      history.push(
        alertOpen({
          customerId: id,
          at: lagAt,
          externalId: history.nextId('alertmanager'),
          thread: lagThread,
          alertname: 'ExportLagHigh',
          severity: 'warning',
          summary: lagSummary,
          feature: 'exports',
          value: '2h 5m',
          threshold: '2h',
          extra: { job: job.id },
        }),
      );
      addSymptom(state, {
        fault: 'export_lag',
        kind: 'alert',
        thread: lagThread,
        feature: 'exports',
        summary: lagSummary,
        openedAt: iso(lagAt),
        name: 'ExportLagHigh',
      });
      return;
    }
    case 'upgrade_regression': {
      const halted = releases.find((release) => release.isHalted);
      const upgrade = history.events.find((event) => event.kind === 'version_upgrade' && event.newValue === halted?.version);
      if (!halted || !upgrade) throw new Error(`fault story for ${id}: no upgrade to the halted release`);
      const previousVersion = versionBefore.get(halted.version) ?? '';
      state.regression = { ...REGRESSION, version: halted.version, previousVersion };
      const upgradedAt = Date.parse(upgrade.occurredAt);
      const failedInvoices = random.int(9, 40);
      history.add(upgradedAt + random.int(8, 14) * MINUTE, {
        system: 'alertmanager',
        kind: 'error_spike',
        severity: 'error',
        actor: null,
        summary: `billing_sync: ${failedInvoices} invoices failed to sync in 15 minutes`,
        body: `\`\`\`\n${REGRESSION.error}\n\`\`\``,
        feature: 'billing_sync',
        links: { release: halted.version },
        properties: { signature: REGRESSION.signature, error: REGRESSION.error, version: halted.version },
      });
      const thread = `am-billing-sync-errors-${id}`;
      const summary = 'Billing sync error rate 38% (threshold 5%)';
      const alertAt = upgradedAt + 16 * MINUTE;
      history.push(
        alertOpen({
          customerId: id,
          at: alertAt,
          externalId: history.nextId('alertmanager'),
          thread,
          alertname: 'BillingSyncErrorRate',
          severity: 'error',
          summary,
          feature: 'billing_sync',
          value: '38%',
          threshold: '5%',
          extra: { signature: REGRESSION.signature, target: 'netsuite', version: halted.version },
          links: { release: halted.version },
        }),
      );
      addSymptom(state, {
        fault: 'upgrade_regression',
        kind: 'alert',
        thread,
        feature: 'billing_sync',
        summary,
        openedAt: iso(alertAt),
        name: 'BillingSyncErrorRate',
      });
      if (profile.plan === 'enterprise' || random.chance(0.5)) {
        const ticket = nextTicket(tickets);
        const at = alertAt + random.int(2, 6) * HOUR;
        const subject = 'Invoices not syncing to NetSuite since the update';
        history.push(
          ticketOpen({
            customerId: id,
            at,
            externalId: history.nextId('zendesk'),
            ticket,
            subject,
            requester: contact(),
            message: `Since yesterday's update about a third of our invoices fail to reach NetSuite with "subsidiary is required". Nothing changed on our side.`,
            severity: 'warning',
            feature: 'billing_sync',
          }),
        );
        addSymptom(state, {
          fault: 'upgrade_regression',
          kind: 'ticket',
          thread: ticket,
          feature: 'billing_sync',
          summary: subject,
          openedAt: iso(at),
          name: ticket,
        });
      }
      return;
    }
    case null:
      return;
  }
}
