import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { launchChromium, type Browser } from '../support/chromium';
import { ISO_UTC, UUID_V4, startTestApp, type TestApp } from '../support/test-app';

/** Screenshots for a person to look at; test-results/ is git-ignored. */
const SCREENSHOTS = join(__dirname, '..', '..', 'test-results', 'browser');

/**
 * Swagger UI in a real browser, as an explorer uses it: open /docs, authorize with a token,
 * pick a server, "Try it out" for create and then for list, and read the response panels.
 */
describe('Swagger UI in Chromium', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    t = await startTestApp('sqlite');
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.setDefaultTimeout(60_000);
    page.on('pageerror', (err) => pageErrors.push(err.message));
    mkdirSync(SCREENSHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const operation = (operationId: string) => page.locator(`#operations-Password_Sync_Groups-${operationId}`);

  /** Saves the part of the page from an operation's header to the end of its live response. */
  async function screenshotResponse(op: Locator, file: string): Promise<void> {
    const pageBox = (l: Locator) =>
      l.evaluate((el) => {
        // Runs in the page (the tsconfig has no DOM types, hence the narrow casts).
        const r = el.getBoundingClientRect();
        const { scrollX, scrollY } = globalThis as unknown as { scrollX: number; scrollY: number };
        return { x: r.left + scrollX, y: r.top + scrollY, width: r.width, bottom: r.bottom + scrollY };
      });
    const from = await pageBox(op.locator('.opblock-summary').first());
    const to = await pageBox(op.locator('.live-responses-table'));
    const clip = { x: from.x, y: from.y, width: from.width, height: to.bottom - from.y };
    await page.screenshot({ path: join(SCREENSHOTS, file), clip, fullPage: true });
  }

  /** Expands an operation, presses "Try it out" and "Execute", and returns its live response row. */
  async function tryItOut(op: Locator, fill?: (op: Locator) => Promise<void>): Promise<Locator> {
    await op.locator('.opblock-summary').first().click();
    await op.locator('button.try-out__btn').click();
    if (fill) await fill(op);
    await op.locator('button.execute').click();
    const response = op.locator('.live-responses-table .response').first();
    await response.waitFor();
    return response;
  }

  it('opens /docs: title, tag description, the five per-service operations then the five yearly ones, one server per prefix', async () => {
    await page.goto(`${base}/docs`);
    await page.locator('.swagger-ui .info .title').waitFor();
    expect(await page.locator('.swagger-ui .info .title').innerText()).toContain('Password Sync Groups API');
    await page.locator('.opblock-tag-section').first().waitFor();
    expect(await page.locator('.opblock-tag').first().innerText()).toContain('Trying it here');
    const ids = await page
      .locator('.opblock[id^="operations-Password_Sync_Groups-"]')
      .evaluateAll((blocks) => blocks.map((b) => b.id.replace('operations-Password_Sync_Groups-', '')));
    // The per-service operations first: what SailPoint's current SDKs call.
    expect(ids).toEqual([
      'getPasswordSyncGroupsV1',
      'createPasswordSyncGroupV1',
      'getPasswordSyncGroupV1',
      'updatePasswordSyncGroupV1',
      'deletePasswordSyncGroupV1',
      'getPasswordSyncGroups',
      'createPasswordSyncGroup',
      'getPasswordSyncGroup',
      'updatePasswordSyncGroup',
      'deletePasswordSyncGroup',
    ]);
    const servers = await page
      .locator('.servers select option')
      .evaluateAll((options) => options.map((o) => (o as unknown as { value: string }).value));
    expect(servers).toEqual(['/', '/v3', '/beta', '/v2024', '/v2025', '/v2026', '/latest']);
    await page.screenshot({ path: join(SCREENSHOTS, '1-docs.png') });
  });

  it('authorizes with a bearer token', async () => {
    await page.locator('.auth-wrapper button.authorize').click();
    const dialog = page.locator('.dialog-ux .modal-ux');
    await dialog.waitFor();
    // The bearer option, beside SailPoint's two OAuth2 schemes.
    const bearer = dialog.locator('.auth-container', { hasText: 'bearerAuth' });
    await bearer.locator('input').first().fill(t.token());
    await bearer.locator('.auth-btn-wrapper button.authorize').click();
    await dialog.locator('button.btn-done').first().click();
    await dialog.waitFor({ state: 'detached' });
    expect(await page.locator('.auth-wrapper button.authorize').getAttribute('class')).toContain('locked');
  });

  let created: { id: string; name: string };

  it('"Try it out" on create, under /v3: the response panel shows 200 and the created group', async () => {
    await page.locator('.servers select').selectOption('/v3');
    const response = await tryItOut(operation('createPasswordSyncGroup'));
    expect((await response.locator('.response-col_status').innerText()).trim()).toBe('200');
    const requestUrl = await operation('createPasswordSyncGroup').locator('.request-url pre').innerText();
    expect(requestUrl).toBe(`${base}/v3/password-sync-groups`);
    const body = JSON.parse(await response.locator('.response-col_description pre').first().innerText()) as Record<
      string,
      unknown
    >;
    expect(body).toEqual({
      id: expect.stringMatching(UUID_V4),
      name: 'Password Sync Group 2',
      passwordPolicyId: '2c91808d744ba0ce01746f93b6204501',
      sourceIds: ['2c918084660f45d6016617daa9210584', '2c918084660f45d6016617daa9210500'],
      created: expect.stringMatching(ISO_UTC),
      modified: expect.stringMatching(ISO_UTC),
    });
    created = body as { id: string; name: string };
    // It really is stored, for the token's tenant.
    const stored = await t.http().get(`/password-sync-groups/${created.id}`).set('Authorization', t.bearer());
    expect(stored.status).toBe(200);
    expect(stored.body).toEqual(body);
    await screenshotResponse(operation('createPasswordSyncGroup'), '2-create.png');
  });

  it('"Try it out" on list with count=true: the response panel shows 200, the group and X-Total-Count', async () => {
    const op = operation('getPasswordSyncGroups');
    const response = await tryItOut(op, async (o) => {
      await o.locator('tr[data-param-name="count"] select').selectOption('true');
    });
    expect((await response.locator('.response-col_status').innerText()).trim()).toBe('200');
    expect(await op.locator('.request-url pre').innerText()).toBe(
      `${base}/v3/password-sync-groups?limit=250&offset=0&count=true`,
    );
    const body = JSON.parse(await response.locator('.response-col_description pre').first().innerText()) as unknown;
    expect(body).toEqual([created]);
    expect(await response.locator('.response-col_description').innerText()).toMatch(/x-total-count: 1/i);
    await screenshotResponse(op, '3-list.png');
  });

  it('"Try it out" on the per-service get by id: it calls /password-sync-groups/v1/{id}, whatever server the yearly form uses', async () => {
    const op = operation('getPasswordSyncGroupV1');
    const response = await tryItOut(op, async (o) => {
      await o.locator('tr[data-param-name="id"] input').fill(created.id);
    });
    expect((await response.locator('.response-col_status').innerText()).trim()).toBe('200');
    expect(await op.locator('.request-url pre').innerText()).toBe(`${base}/password-sync-groups/v1/${created.id}`);
    const body = JSON.parse(await response.locator('.response-col_description pre').first().innerText()) as unknown;
    expect(body).toEqual(created);
    await screenshotResponse(op, '4-get-v1.png');
    await page.screenshot({ path: join(SCREENSHOTS, '5-full-page.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it("authorizes with a personal access token's client id and secret (OAuth2), and Try it out works", async () => {
    const pat = await t
      .http()
      .post('/personal-access-tokens')
      .set('Authorization', t.bearer({ identityId: 'swagger-user', userName: 'swagger.user' }))
      .send({ name: 'Swagger UI', userAwareTokenNeverExpires: true });
    expect(pat.status).toBe(200);

    await page.locator('.auth-wrapper button.authorize').click();
    const dialog = page.locator('.dialog-ux .modal-ux');
    await dialog.waitFor();
    // Sign out of the bearer token first, so the request can only carry the PAT's token.
    const bearer = dialog.locator('.auth-container', { hasText: 'bearerAuth' });
    await bearer.locator('button', { hasText: 'Logout' }).click();
    const oauth = dialog.locator('.auth-container').filter({ has: page.locator('h4', { hasText: /^\s*userAuth/ }) });
    await oauth
      .locator('input[type="text"]')
      .first()
      .fill(pat.body.id as string);
    await oauth
      .locator('input[type="password"]')
      .first()
      .fill(pat.body.secret as string);
    await page.screenshot({ path: join(SCREENSHOTS, '5-authorize-pat.png') });
    await oauth.locator('.auth-btn-wrapper button.authorize').click();
    await oauth.locator('button', { hasText: 'Logout' }).waitFor();
    expect(await oauth.innerText()).not.toContain('Auth Error');
    await dialog.locator('button.btn-done').first().click();
    await dialog.waitFor({ state: 'detached' });

    const op = operation('getPasswordSyncGroups');
    // Still open in "Try it out" mode from the previous test: clear its response and execute again.
    await op.locator('button.btn-clear').click();
    await op.locator('button.execute').click();
    const response = op.locator('.live-responses-table .response').first();
    await response.waitFor();
    expect((await response.locator('.response-col_status').innerText()).trim()).toBe('200');
    const body = JSON.parse(await response.locator('.response-col_description pre').first().innerText()) as unknown;
    expect(body).toEqual([created]);
    // The token came from /oauth/token for this PAT: it recorded its use.
    const [row] = await t.dataSource.query<Array<{ last_used: string | null }>>(
      'SELECT last_used FROM personal_access_token WHERE id = ?',
      [pat.body.id],
    );
    expect(row.last_used).toMatch(ISO_UTC);
    const curl = await op.locator('.curl-command').innerText();
    expect(curl).toMatch(/Authorization: Bearer eyJ/);
    expect(curl).not.toContain(t.token().slice(-20));
    await screenshotResponse(op, '6-list-with-pat.png');
    expect(pageErrors).toEqual([]);
  });
});
