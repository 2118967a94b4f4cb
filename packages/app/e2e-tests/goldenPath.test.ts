import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { test, expect, Page, APIRequestContext } from '@playwright/test';
import { screenshot } from './screenshot';
import { SAMPLE_USERS, sidebar, signInAs } from './signIn';

// Issue 10: the golden path in the browser, on the built portal on the test platform (project
// golden-path, image mode: playwright.config.ts starts packages/test-platform/src/sandbox/main.ts
// with the GitLab double, a real kube-apiserver and the real controllers: Crossplane, Argo CD,
// kube-scheduler and kwok; nothing in this path is written by a simulator).
// Serial: step 5 looks at the service step 1 created.

/** The sandbox's test-only admin endpoint (sandbox/adminServer.ts; playwright.config.ts). */
const ADMIN_URL = process.env.SANDBOX_ADMIN_URL ?? 'http://127.0.0.1:7011';

const XR_API = 'idp.acme.example/v1alpha1';
const suffix = Date.now().toString(36).slice(-6);
/** The service the developer creates (step 1), and the one whose run fails (step 3). */
const SERVICE = `refunds-${suffix}`;
const FAILING = `ledger-${suffix}`;

test.describe.configure({ mode: 'serial' });
/** The task of step 3, which failed. */
let failedTaskId: string | undefined;
// A missing control fails fast; only what the backend does gets long waits (per assertion).
test.use({ actionTimeout: 15_000 });

/** /create, the card of a template, "Choose": its form's first page. */
async function chooseTemplate(page: Page, title: string) {
  await sidebar(page)
    .getByRole('link', { name: 'Create', exact: true })
    .click();
  await expect(page).toHaveURL(/\/create/);
  // The template cards (MUI Cards); each has its title as a heading and a Choose button.
  const card = page.locator('.MuiCard-root').filter({
    has: page.getByRole('heading', { name: title, exact: true }),
  });
  await card.getByRole('button', { name: 'Choose' }).click();
  await expect(
    page.getByRole('heading', { name: title }).first(),
  ).toBeVisible();
}

/** Picks an option of an Autocomplete field (OwnerPicker, EntityPicker) by typing. */
async function pick(page: Page, label: string, text: string, option: RegExp) {
  const field = page.getByRole('textbox', { name: label, exact: true });
  await field.click();
  await field.fill(text);
  await page.getByRole('option', { name: option }).first().click();
}

/** Fills the first page of a service template's form. */
async function fillService(page: Page, name: string) {
  await page.getByRole('textbox', { name: 'Name' }).fill(name);
  await page
    .getByRole('textbox', { name: 'Description' })
    .fill('Refunds for card payments');
  // Both pickers list entities by title: group team-payments and system payments are "Payments".
  await pick(page, 'Owner', 'Payments', /Payments/);
  await pick(page, 'System', 'Payments', /Payments/);
}

/** From the first page of a filled form through Review to Create; the task page's id. */
async function submit(page: Page): Promise<string> {
  for (let i = 0; i < 4; i++) {
    const review = page.getByRole('button', { name: 'Review' });
    if (await review.isVisible()) {
      await review.click();
      break;
    }
    await page.getByRole('button', { name: 'Next' }).click();
  }
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(page).toHaveURL(/\/create\/tasks\/[^/]+$/, { timeout: 30_000 });
  return page.url().split('/').pop()!;
}

/** A backend token of a sample user, through local mode's sign-in provider. */
async function tokenOf(request: APIRequestContext, user: string) {
  const res = await request.get('/api/auth/local/refresh?env=development', {
    headers: {
      'x-idp-local-user': `user:default/${user}`,
      'x-requested-with': 'XMLHttpRequest',
    },
  });
  expect(res.ok()).toBeTruthy();
  return (await res.json()).backstageIdentity.token as string;
}

/** Nothing of `name` is left: GitLab projects, XR, namespace, Argo CD Application, entity. */
async function expectNothingLeft(request: APIRequestContext, name: string) {
  const gitlab = await (await request.get(`${ADMIN_URL}/gitlab`)).json();
  for (const project of [name, `${name}-deployment`]) {
    const res = await request.get(
      `${gitlab.apiBaseUrl}/projects/${encodeURIComponent(
        `idp/team-payments/${project}`,
      )}`,
      { headers: { 'PRIVATE-TOKEN': gitlab.token } },
    );
    expect(res.status(), `GitLab project ${project}`).toBe(404);
  }
  const search = await request.get(
    `${gitlab.apiBaseUrl}/projects?search=${name}`,
    { headers: { 'PRIVATE-TOKEN': gitlab.token } },
  );
  expect(await search.json()).toEqual([]);

  const kube = (query: Record<string, string>) =>
    request.get(`${ADMIN_URL}/kube?${new URLSearchParams(query)}`);
  for (const [apiVersion, kind, objectName, namespace] of [
    [XR_API, 'ApplicationEnvironment', `${name}-development`, ''],
    ['v1', 'Namespace', `team-payments-${name}-development`, ''],
    ['argoproj.io/v1alpha1', 'Application', `${name}-development`, 'argocd'],
  ]) {
    const res = await kube({
      apiVersion,
      kind,
      name: objectName,
      ...(namespace ? { namespace } : {}),
    });
    expect(res.status(), `${kind} ${objectName}`).toBe(404);
  }
  const labelled = await kube({
    apiVersion: 'v1',
    kind: 'Namespace',
    labelSelector: `backstage.io/kubernetes-id=${name}`,
  });
  expect((await labelled.json()).items).toEqual([]);
  // Every environment (2c added staging and production), not only the first.
  const environments = await kube({
    apiVersion: XR_API,
    kind: 'ApplicationEnvironment',
    labelSelector: `backstage.io/kubernetes-id=${name}`,
  });
  expect((await environments.json()).items).toEqual([]);

  const token = await tokenOf(request, 'priya.sharma');
  const entity = await request.get(
    `/api/catalog/entities/by-name/component/default/${name}`,
    { headers: { Authorization: `Bearer ${token}` } },
  );
  expect(entity.status(), `catalog entity ${name}`).toBe(404);
}

test('1. a developer creates a FastAPI service and watches the task to its end', async ({
  page,
}, testInfo) => {
  test.setTimeout(150_000);
  await signInAs(page, SAMPLE_USERS.developer);
  await chooseTemplate(page, 'Python FastAPI service');
  await fillService(page, SERVICE);
  await screenshot(page, testInfo, 'golden-path-1-form');
  await page.getByRole('button', { name: 'Next' }).click();
  // The Deployment page: the first environment is development.
  await expect(page.getByText('development').first()).toBeVisible();
  await submit(page);

  // The log streams while the steps run: the environment takes a few seconds to be Ready.
  await expect(
    page.getByText('Create the application repository').first(),
  ).toBeVisible();
  const showLogs = page.getByRole('button', { name: /show logs/i });
  if (await showLogs.isVisible()) await showLogs.click();
  await expect(
    page
      .getByText(
        new RegExp(`ApplicationEnvironment ${SERVICE}-development: Synced=`),
      )
      .first(),
  ).toBeVisible({ timeout: 60_000 });
  await screenshot(page, testInfo, 'golden-path-2-task-running', {
    fullPage: true,
  });
  // Then the task finishes, every step done, with its links.
  await expect(
    page.getByRole('link', { name: 'Open in the catalog' }),
  ).toBeVisible({ timeout: 120_000 });
  await expect(
    page.getByRole('link', { name: 'Deployment status' }),
  ).toBeVisible();
  await screenshot(page, testInfo, 'golden-path-3-task-done', {
    fullPage: true,
  });
  await expect(
    page.getByRole('link', { name: 'Deployment status' }),
  ).toHaveAttribute(
    'href',
    new RegExp(`/catalog/default/component/${SERVICE}/deployment$`),
  );
  await page.getByRole('link', { name: 'Open in the catalog' }).click();
  await expect(page).toHaveURL(
    new RegExp(`/catalog/default/component/${SERVICE}$`),
  );
  await expect(page.getByRole('heading', { name: SERVICE })).toBeVisible();
});

test('2. the service page and its Deployment tab: Ready, Synced, Healthy, pods running', async ({
  page,
}, testInfo) => {
  test.setTimeout(90_000);
  await signInAs(page, SAMPLE_USERS.developer);
  await page.goto(`/catalog/default/component/${SERVICE}`);
  await expect(page.getByRole('heading', { name: SERVICE })).toBeVisible();
  await expect(page.getByText('About', { exact: true })).toBeVisible();
  await screenshot(page, testInfo, 'golden-path-4-entity');

  await page.getByRole('link', { name: 'Deployment', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/${SERVICE}/deployment$`));
  await expect(page.getByText(/Updated \d+s ago/)).toBeVisible();
  await expect(page.getByText('Ready: True (Available)')).toBeVisible({
    timeout: 45_000,
  });
  await expect(page.getByText(/^Synced at/)).toBeVisible();
  await expect(page.getByText('Healthy', { exact: true })).toBeVisible();
  // The chart's development values run one replica (kwok runs it; nothing simulated).
  await expect(page.getByText('1 pod, all ready')).toBeVisible();
  // Their team's service: the developer may sync it.
  await expect(page.getByRole('button', { name: /^sync$/i })).toBeVisible();
  await screenshot(page, testInfo, 'golden-path-5-deployment', {
    fullPage: true,
  });
});

test("2a. the service's TechDocs: built by the portal from its GitLab repository", async ({
  page,
}, testInfo) => {
  // The TechDocs backend reads the app repository through GitLab's archive API (the double's,
  // real git behind it) and runs mkdocs with mkdocs-techdocs-core (scripts/build-techdocs.sh).
  test.setTimeout(120_000);
  await signInAs(page, SAMPLE_USERS.developer);
  await page.goto(`/catalog/default/component/${SERVICE}`);
  await page.getByRole('link', { name: 'TechDocs', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/${SERVICE}/(docs|techdocs)$`));
  // The generated docs/index.md: its title, and the table of what the path created.
  // (Playwright's locators see into the reader's shadow root.)
  await expect(page.getByRole('heading', { name: 'What it is' })).toBeVisible({
    timeout: 90_000,
  });
  await expect(
    page.getByRole('cell', { name: 'Deployment repository', exact: true }),
  ).toBeVisible();
  await expect(
    page.getByRole('cell', { name: `idp/team-payments/${SERVICE}-deployment` }),
  ).toBeVisible();
  // Built and up to date: the reader's "checking for updates" bar is gone.
  await expect(page.getByRole('progressbar')).toHaveCount(0, {
    timeout: 60_000,
  });
  await screenshot(page, testInfo, 'techdocs-generated-service', {
    fullPage: true,
  });
});

test("2b. the app's own deploy job ships a new image: Argo CD rolls it out and the tab shows it", async ({
  page,
  request,
}, testInfo) => {
  test.setTimeout(180_000);
  const gitlab = await (await request.get(`${ADMIN_URL}/gitlab`)).json();
  const headers = { 'PRIVATE-TOKEN': gitlab.token };
  const appPath = `idp/team-payments/${SERVICE}`;
  const deployPath = `${appPath}-deployment`;
  const branch = async () =>
    (
      await (
        await request.get(
          `${gitlab.apiBaseUrl}/projects/${encodeURIComponent(
            deployPath,
          )}/repository/branches/development`,
          { headers },
        )
      ).json()
    ).commit.id as string;
  const before = await branch();
  // DEPLOY_REPO_TOKEN as GitLab hands it to the pipeline: the app project's CI/CD variable,
  // which the golden path stored.
  const variable = await request.get(
    `${gitlab.apiBaseUrl}/projects/${encodeURIComponent(
      appPath,
    )}/variables/DEPLOY_REPO_TOKEN`,
    { headers },
  );
  expect(variable.ok()).toBeTruthy();
  const token = (await variable.json()).value as string;

  // The pipeline's deploy job on main (gitlab-ci-local, shell executor) in a clone of the app.
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'idp-e2e-app-'));
  const auth = `http.extraHeader=Authorization: Basic ${Buffer.from(
    `root:${gitlab.token}`,
  ).toString('base64')}`;
  const env = {
    ...process.env,
    PATH: [
      path.dirname(process.execPath),
      ...(process.env.IDP_TEMPLATE_TOOLS_DIR
        ? [path.join(process.env.IDP_TEMPLATE_TOOLS_DIR, 'bin')]
        : []),
      process.env.PATH,
    ].join(path.delimiter),
    GIT_TERMINAL_PROMPT: '0',
  };
  execFileSync(
    'git',
    ['-c', auth, 'clone', '-q', `${gitlab.baseUrl}/${appPath}.git`, 'app'],
    { cwd: work, env },
  );
  const appDir = path.join(work, 'app');
  const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: appDir })
    .toString()
    .trim()
    .slice(0, 8);
  execFileSync(
    process.execPath,
    [
      require.resolve('gitlab-ci-local/dist/index.js'),
      '--force-shell-executor',
      '--ignore-predefined-vars',
      'CI_SERVER_URL,CI_REGISTRY_IMAGE',
      '--variable',
      `DEPLOY_REPO_TOKEN=${token}`,
      '--variable',
      `CI_SERVER_URL=${gitlab.baseUrl}`,
      '--variable',
      `CI_REGISTRY_IMAGE=registry.acme.example/${appPath}`,
      'deploy-development',
    ],
    { cwd: appDir, env, stdio: 'pipe' },
  );
  fs.rmSync(work, { recursive: true, force: true });
  const after = await branch();
  expect(after).not.toBe(before);

  // Argo CD syncs the new commit and the Deployment rolls to the new image: the tab shows the
  // new revision first in the history, and the pod running that image.
  await signInAs(page, SAMPLE_USERS.developer);
  await page.goto(`/catalog/default/component/${SERVICE}/deployment`);
  // The new revision: synced, and the latest deployment; the first is still in the history.
  await expect(page.getByRole('link', { name: after.slice(0, 7) })).toHaveCount(
    2,
    { timeout: 120_000 },
  );
  await expect(
    page.getByRole('link', { name: before.slice(0, 7) }),
  ).toBeVisible();
  await expect(page.getByRole('cell', { name: sha, exact: true })).toBeVisible({
    timeout: 90_000,
  });
  await expect(page.getByText('1 pod, all ready')).toBeVisible({
    timeout: 60_000,
  });
  // Argo CD's health once the rollout is done.
  await expect(page.getByText('Healthy', { exact: true })).toBeVisible({
    timeout: 60_000,
  });
  await screenshot(page, testInfo, 'golden-path-5b-rolled-out', {
    fullPage: true,
  });
});

/** Runs the add-environment form that is open on the page to its end. */
async function addEnvironment(page: Page, environment: string) {
  await expect(
    page.getByRole('heading', { name: 'Add an environment' }).first(),
  ).toBeVisible();
  // The service is already chosen: the tab's link carries it.
  await expect(page.getByRole('textbox', { name: 'Service' })).toHaveValue(
    new RegExp(SERVICE),
  );
  await submit(page);
  await expect(
    page.getByText(`${SERVICE} now has ${environment}`).first(),
  ).toBeVisible({ timeout: 120_000 });
}

test('2c. the developer adds staging from the Deployment tab and promotes development to it; production gets a merge request', async ({
  page,
}, testInfo) => {
  test.setTimeout(300_000);
  await signInAs(page, SAMPLE_USERS.developer);
  await page.goto(`/catalog/default/component/${SERVICE}/deployment`);
  const bar = page.getByRole('region', { name: 'Environments' });
  await expect(bar.getByText('development', { exact: true })).toBeVisible({
    timeout: 45_000,
  });
  await bar.getByRole('link', { name: 'Add an environment' }).click();
  await addEnvironment(page, 'staging');

  await page.goto(`/catalog/default/component/${SERVICE}/deployment`);
  await expect(bar.getByText('development → staging')).toBeVisible({
    timeout: 45_000,
  });
  const section = (environment: string) =>
    page.getByRole('region', {
      name: new RegExp(
        // "<environment> · <cluster> · <namespace>"; one cluster: no cluster part.
        `^${environment} · (.* · )?team-payments-${SERVICE}-${environment}$`,
      ),
    });
  const development = section('development');
  const staging = section('staging');
  await expect(staging.getByText('Ready: True (Available)')).toBeVisible({
    timeout: 90_000,
  });
  // What runs in development (2b's image) is what the button promotes.
  const tag = (
    await development
      .getByRole('cell')
      .filter({ hasText: /^[0-9a-f]{8}$/ })
      .first()
      .textContent()
  )?.trim();
  expect(tag).toMatch(/^[0-9a-f]{8}$/);
  await development
    .getByRole('button', { name: `Promote ${tag} to staging` })
    .click();
  await expect(
    development.getByText(new RegExp(`Promoted .*:${tag} to staging: commit`)),
  ).toBeVisible({ timeout: 30_000 });
  // Argo CD deploys the commit: staging's two pods run the promoted image.
  await expect(
    staging.getByRole('cell', { name: tag!, exact: true }),
  ).toHaveCount(2, {
    timeout: 120_000,
  });
  await expect(staging.getByText('2 pods, all ready')).toBeVisible({
    timeout: 60_000,
  });
  await screenshot(page, testInfo, 'environments-staging-promoted', {
    fullPage: true,
  });

  // Production: added by a member of the team, and promoted through a merge request.
  await page.goto(
    `/create/templates/default/add-environment?formData=${encodeURIComponent(
      JSON.stringify({
        component: `component:default/${SERVICE}`,
        environment: 'production',
      }),
    )}`,
  );
  await addEnvironment(page, 'production');
  await page.goto(`/catalog/default/component/${SERVICE}/deployment`);
  await expect(bar.getByText('development → staging → production')).toBeVisible(
    { timeout: 45_000 },
  );
  await staging
    .getByRole('button', { name: `Promote ${tag} to production` })
    .click();
  await expect(
    staging.getByText(
      new RegExp(`Proposed .*:${tag} for production: merge request !1`),
    ),
  ).toBeVisible({ timeout: 30_000 });
  await expect(
    bar.getByRole('link', {
      name: new RegExp(`^Promote ${SERVICE} ${tag} to production \\(!1\\)`),
    }),
  ).toBeVisible({ timeout: 30_000 });
  // Nothing reached production: its pods do not run the promoted image.
  await expect(
    section('production').getByRole('cell', { name: tag!, exact: true }),
  ).toHaveCount(0);
  await screenshot(page, testInfo, 'environments-three-and-pending-promotion', {
    fullPage: true,
  });

  // A preview of a branch, from the tab: a fourth section, after production, with its branch
  // and expiry; a wrong branch name is refused before anything is asked of the backend.
  const previewForm = page.getByRole('form', { name: 'New preview' });
  const branchField = previewForm.getByRole('textbox', {
    name: 'Branch to preview',
  });
  await branchField.fill('feature/a..b');
  await previewForm.getByRole('button', { name: 'Create preview' }).click();
  await expect(
    previewForm.getByText(/The branch is not a git branch name/),
  ).toBeVisible();
  await branchField.fill('feature/refunds');
  await previewForm.getByRole('button', { name: 'Create preview' }).click();
  await expect(
    previewForm.getByText(
      new RegExp(
        `Preview feature-refunds of ${SERVICE} \\(feature/refunds\\) created`,
      ),
    ),
  ).toBeVisible({ timeout: 30_000 });
  const preview = page.getByRole('region', {
    name: new RegExp(
      `^preview feature-refunds · (.* · )?team-payments-${SERVICE}-preview-feature-refunds$`,
    ),
  });
  await expect(preview.getByText('Ready: True (Available)')).toBeVisible({
    timeout: 120_000,
  });
  await expect(preview.getByText('1 pod, all ready')).toBeVisible({
    timeout: 90_000,
  });
  await expect(
    preview.getByText(
      /Preview of branch feature\/refunds · expires in (2d 23h|3d 0h) \(/,
    ),
  ).toBeVisible();
  await expect(bar.getByText(/and a preview: feature-refunds/)).toBeVisible();
  await screenshot(page, testInfo, 'environments-three-and-preview', {
    fullPage: true,
  });
});

test('3. a run that fails on the deployment repository says why', async ({
  page,
  request,
}, testInfo) => {
  test.setTimeout(120_000);
  // The GitLab double answers 500 to the creation of the deployment project only.
  await request.delete(`${ADMIN_URL}/gitlab/faults`);
  const fault = await request.post(`${ADMIN_URL}/gitlab/faults`, {
    data: {
      method: 'POST',
      pathPattern: '/projects$',
      requestBody: { name: { pattern: '-deployment$' } },
      status: 500,
      times: 1,
    },
  });
  expect(fault.status()).toBe(201);

  await signInAs(page, SAMPLE_USERS.developer);
  await chooseTemplate(page, 'Python FastAPI service');
  await fillService(page, FAILING);
  const taskId = await submit(page);
  // The task page's error banner says what failed and what to do.
  await expect(
    page
      .getByText(
        'Error: GitLab POST /projects answered 500 (500 Internal Server Error): ' +
          'GitLab failed with a server error; try again later (the task can be retried safely)',
      )
      .first(),
  ).toBeVisible({ timeout: 60_000 });
  await expect(
    page.getByText('Skipping step register because a previous step failed'),
  ).toBeVisible();
  await screenshot(page, testInfo, 'golden-path-6-task-failed', {
    fullPage: true,
  });
  const faults = await (await request.get(`${ADMIN_URL}/gitlab/faults`)).json();
  expect(faults).toEqual([]); // used up by this run
  // The application repository was created before the failure.
  const gitlab = await (await request.get(`${ADMIN_URL}/gitlab`)).json();
  const app = await request.get(
    `${gitlab.apiBaseUrl}/projects/${encodeURIComponent(
      `idp/team-payments/${FAILING}`,
    )}`,
    { headers: { 'PRIVATE-TOKEN': gitlab.token } },
  );
  expect(app.status()).toBe(200);

  failedTaskId = taskId;
});

test('3b. the platform engineer cleans the failed run up from its task log: nothing is left', async ({
  page,
  request,
}, testInfo) => {
  test.setTimeout(90_000);
  expect(failedTaskId).toBeTruthy();
  // A failed task has no entity for decommission-service: the platform engineer cleans it up
  // from the task's log (idp:undo with taskId, the cleanup-failed-task template).
  await signInAs(page, SAMPLE_USERS.platformEngineer);
  await chooseTemplate(page, 'Clean up after a failed task');
  await page.getByRole('textbox', { name: 'Task id' }).fill(failedTaskId!);
  await submit(page);
  await expect(page.getByText(/Removed/).first()).toBeVisible({
    timeout: 60_000,
  });
  await expect(
    page.getByText(`idp/team-payments/${FAILING}`).first(),
  ).toBeVisible();
  await screenshot(page, testInfo, 'golden-path-7-cleaned-up', {
    fullPage: true,
  });
  await expectNothingLeft(request, FAILING);
});

test('3c. a developer creating for another team is refused at the first step, and nothing exists', async ({
  page,
  request,
}, testInfo) => {
  test.setTimeout(90_000);
  const name = `other-${suffix}`;
  await signInAs(page, SAMPLE_USERS.developer);
  await chooseTemplate(page, 'Python FastAPI service');
  await page.getByRole('textbox', { name: 'Name' }).fill(name);
  await page
    .getByRole('textbox', { name: 'Description' })
    .fill('A service for a team I am not in');
  // Diego Alvarez is in team-payments; the form lets him pick any team, the server decides.
  await pick(page, 'Owner', 'Storefront', /Storefront/);
  await pick(page, 'System', 'Payments', /Payments/);
  await submit(page);
  await expect(
    page
      .getByText(
        /owner: user:default\/diego\.alvarez is not a member of group:default\/team-storefront\. Developers may act only for their own teams \(team-payments\)/,
      )
      .first(),
  ).toBeVisible({ timeout: 60_000 });
  await screenshot(page, testInfo, 'tenancy-refused-other-team', {
    fullPage: true,
  });
  // Refused by the first step: no project in either team's group, nothing in the cluster.
  await expectNothingLeft(request, name);
  const gitlab = await (await request.get(`${ADMIN_URL}/gitlab`)).json();
  const foreign = await request.get(
    `${gitlab.apiBaseUrl}/projects/${encodeURIComponent(
      `idp/team-storefront/${name}`,
    )}`,
    { headers: { 'PRIVATE-TOKEN': gitlab.token } },
  );
  expect(foreign.status()).toBe(404);
});

test('4. bad names are refused on the field before submit', async ({
  page,
}, testInfo) => {
  await signInAs(page, SAMPLE_USERS.developer);
  await chooseTemplate(page, 'Python FastAPI service');
  await fillService(page, 'Payments-Refunds');
  const name = page.getByRole('textbox', { name: 'Name' });
  const next = page.getByRole('button', { name: 'Next' });
  // Too long first: the schema's maxLength refuses it before the field's own validator runs
  // (which would add "At most 30 characters (this has 70)").
  for (const [value, message] of [
    [
      'a'.repeat(70),
      /must NOT have more than 30 characters|At most 30 characters \(this has 70\)/,
    ],
    ['Payments-Refunds', "Use lowercase letters only: try 'payments-refunds'"],
    [
      'payments-checkout',
      "A Component named 'payments-checkout' already exists in the catalog (owned by team-payments). Pick another name.",
    ],
  ] as const) {
    await name.fill(value);
    await next.click();
    await expect(page.getByText(message).first()).toBeVisible();
    // Still on the first page (the Deployment page's fields never show): nothing submitted.
    await expect(name).toBeVisible();
    await expect(page.getByText('First environment')).toHaveCount(0);
    if (value === 'Payments-Refunds') {
      await screenshot(page, testInfo, 'golden-path-8-bad-name');
    }
  }
  await expect(page).toHaveURL(/\/create\/templates\//);
});

test('5. a manager sees the new service and its deployment, and can create or sync nothing', async ({
  page,
}, testInfo) => {
  test.setTimeout(90_000);
  await signInAs(page, SAMPLE_USERS.manager);
  await expect(
    sidebar(page).getByRole('link', { name: 'Catalog', exact: true }),
  ).toBeVisible();
  await page.goto('/catalog?filters[kind]=component&filters[user]=all');
  await expect(
    page.getByRole('table').getByRole('link', { name: SERVICE, exact: true }),
  ).toBeVisible();
  await page.goto(`/catalog/default/component/${SERVICE}/deployment`);
  // 2c gave the service staging and production too; development is the golden path's.
  const development = page.getByRole('region', {
    name: new RegExp(
      `^development · (.* · )?team-payments-${SERVICE}-development$`,
    ),
  });
  await expect(development.getByText('Ready: True (Available)')).toBeVisible();
  await expect(development.getByText('Healthy', { exact: true })).toBeVisible();
  // The chart's development values run one replica (kwok runs it; nothing simulated).
  await expect(development.getByText('1 pod, all ready')).toBeVisible();
  await expect(
    page
      .getByRole('region', { name: 'Environments' })
      .getByText('development → staging → production'),
  ).toBeVisible();
  await page.waitForLoadState('networkidle');
  await expect(page.getByRole('button', { name: /^sync$/i })).toHaveCount(0);
  await expect(
    page.getByRole('button', { name: /refresh in argo cd/i }),
  ).toHaveCount(0);
  // Nor promote, add or remove an environment, nor create or remove a preview.
  await expect(page.getByRole('button', { name: /^promote/i })).toHaveCount(0);
  await expect(page.getByRole('form', { name: 'New preview' })).toHaveCount(0);
  await expect(
    page.getByRole('button', { name: 'Remove preview' }),
  ).toHaveCount(0);
  await expect(page.getByRole('link', { name: /an environment$/ })).toHaveCount(
    0,
  );
  await expect(
    sidebar(page).getByRole('link', { name: 'Create', exact: true }),
  ).toHaveCount(0);
  await screenshot(page, testInfo, 'golden-path-9-manager', { fullPage: true });
});

test('6. the platform engineer decommissions the service: nothing is left', async ({
  page,
  request,
}, testInfo) => {
  test.setTimeout(120_000);
  await signInAs(page, SAMPLE_USERS.platformEngineer);
  await chooseTemplate(page, 'Decommission a service');
  await pick(page, 'Service', SERVICE, new RegExp(SERVICE));
  await page
    .getByRole('textbox', { name: "Type the service's name to confirm" })
    .fill(SERVICE);
  await submit(page);
  await expect(
    page.getByText(`GitLab project idp/team-payments/${SERVICE}`).first(),
  ).toBeVisible({ timeout: 90_000 });
  await screenshot(page, testInfo, 'golden-path-10-decommissioned', {
    fullPage: true,
  });
  await expectNothingLeft(request, SERVICE);
});
