// tests/browser/flow.mjs — the demo clicked through in Debian's headless
// Chromium, driven by playwright-core (no browser download).  Prints
// "ok - " / "not ok - " lines like the shell tests and saves a screenshot of
// each step.
//
//   node flow.mjs BASE_URL SCREENSHOT_DIR USER_DATA_DIR
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const [base, shots, profile] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });
let failed = 0;
const ok = (cond, what) => {
	console.log(`${cond ? 'ok' : 'not ok'} - ${what}`);
	if (!cond) failed++;
};

const context = await chromium.launchPersistentContext(profile, {
	executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
	headless: true,
	args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
		'--no-first-run', '--disable-background-networking',
		'--disable-component-update', '--disable-sync'],
	viewport: { width: 1000, height: 700 },
	timeout: 30000,
});
context.setDefaultTimeout(15000);
const page = context.pages()[0] || await context.newPage();
const shot = (name) => page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
const text = () => page.locator('body').innerText();
const count = () => page.locator('#cart-count').innerText();

try {
	let res = await page.goto(`${base}/index.cgi`);
	ok(res.status() === 200, 'home page loads');
	ok((await text()).includes('You are not logged in'), 'home: not logged in');
	await shot('01-home');

	// Log in.
	await page.click('header >> text=Log in');
	await page.waitForURL(/login\.cgi/);
	await shot('02-login');
	await page.fill('input[name=username]', 'alice');
	await page.fill('input[name=password]', 'demo');
	await Promise.all([page.waitForURL(/profile\.cgi/), page.click('main button[type=submit]')]);
	ok(await page.locator('#hello').innerText() === 'Hello, alice!', 'profile says Hello, alice!');
	ok((await text()).includes('Welcome, alice!'), 'login flash shown');
	const cookies = await context.cookies();
	const sc = cookies.find((c) => c.name === 'session');
	ok(sc && sc.httpOnly && sc.sameSite === 'Lax', 'session cookie is HttpOnly, SameSite=Lax');
	await shot('03-profile');

	// Cart: two items, the flash once.
	await page.goto(`${base}/cart.cgi`);
	await Promise.all([page.waitForLoadState('load'), page.click('button[value=add-apple]')]);
	await page.waitForSelector('.flash.success');
	ok((await page.locator('.flash.success').innerText()) === 'Item added: Apple', 'flash: Item added: Apple');
	ok(await count() === '1', 'cart count 1 in the header');
	await Promise.all([page.waitForLoadState('load'), page.click('button[value=add-tea]')]);
	await page.waitForSelector('.flash.success');
	ok((await page.locator('.flash.success').innerText()) === 'Item added: Green tea', 'flash: Item added: Green tea');
	ok(await count() === '2', 'cart count 2 in the header');
	await shot('04-cart-flash');
	await page.reload();
	ok(await page.locator('.flash').count() === 0, 'flash not shown again on reload');
	ok(await count() === '2', 'cart count still 2 after reload');
	await shot('05-cart-reloaded');

	// --- Cross-site request protection ([session] csrf = origin) -------------
	// A page of another site (localhost: not the demo's 127.0.0.1) whose form
	// posts to the cart is refused by sessionwrap itself (403, cart.cgi never
	// runs); the cart's own form, same-site, still works.
	{
		const evil = base.replace('://127.0.0.1', '://localhost').replace(/\/cgi-bin$/, '/prize.html');
		ok(evil.startsWith('http://localhost:'), 'cross-site: the other site is ' + evil);
		await page.route(evil, (route) => route.fulfill({
			status: 200, contentType: 'text/html; charset=utf-8',
			body: '<!doctype html><title>Elsewhere</title>' +
				`<form method="post" action="${base}/cart.cgi">` +
				'<input type="hidden" name="action" value="add">' +
				'<input type="hidden" name="item" value="cheese">' +
				'<button type="submit">Win a prize</button></form>',
		}));
		await page.goto(evil);
		const [resp] = await Promise.all([
			page.waitForResponse((r) => r.url() === `${base}/cart.cgi` && r.request().method() === 'POST'),
			page.click('text=Win a prize'),
		]);
		ok(resp.status() === 403, `cross-site: a form on another site posting to the cart is refused (got ${resp.status()})`);
		await page.waitForLoadState('load');
		ok((await text()).includes('403 Forbidden'), "cross-site: sessionwrap's own 403 answer is shown");
		await shot('05a-cross-site-refused');
		await page.unroute(evil);
		await page.goto(`${base}/cart.cgi`);
		ok(await count() === '2', 'cross-site: the cart is unchanged');
		const [own] = await Promise.all([
			page.waitForResponse((r) => r.url() === `${base}/cart.cgi` && r.request().method() === 'POST'),
			page.click('button[value=add-cheese]'),
		]);
		ok(own.status() === 303, `same-site: the cart's own form is answered by cart.cgi (got ${own.status()})`);
		await page.waitForSelector('.flash.success');
		ok((await page.locator('.flash.success').innerText()) === 'Item added: Cheddar', 'same-site: flash: Item added: Cheddar');
		ok(await count() === '3', 'same-site: cart count 3');
		await shot('05b-same-site-works');
	}
	// --- end of cross-site request protection ---------------------------------

	// Wizard and dark theme, for the looks.
	await page.goto(`${base}/wizard.cgi`);
	await page.fill('input[name=answer]', 'Arthur');
	await Promise.all([page.waitForURL(/step=2/), page.click('button[value=next]')]);
	await page.goBack();
	await page.waitForURL(/wizard\.cgi$/);
	ok(await page.inputValue('input[name=answer]') === 'Arthur', 'wizard: answer still there after Back');
	await page.goForward();
	await page.waitForURL(/step=2/);
	await shot('06-wizard');
	await page.goto(`${base}/prefs.cgi`);
	await page.selectOption('select[name=theme]', 'dark');
	await page.check('input[name=remember]');
	await Promise.all([page.waitForLoadState('load'), page.click('main button[type=submit]')]);
	await page.waitForSelector('body.dark');
	const perm = (await context.cookies()).find((c) => c.name === 'session');
	ok(perm && perm.expires > Date.now() / 1000 + 86400, 'remember me: the cookie outlives the browser');
	await shot('07-prefs-dark');

	// Admin: 403 for a normal user.
	res = await page.goto(`${base}/admin.cgi`);
	ok(res.status() === 403, 'admin page: 403 for a normal user');
	await shot('08-admin-403');

	// Log out, then Back must not show the logged-in page.
	await page.goto(`${base}/profile.cgi`);
	ok((await text()).includes('Hello, alice!'), 'profile before logout');
	await Promise.all([page.waitForURL(/index\.cgi/), page.click('header button:has-text("Log out")')]);
	ok((await text()).includes('You are not logged in'), 'logged out');
	ok(await count() === '0', 'cart emptied by logout');
	await shot('09-logged-out');
	await page.goBack();
	await page.waitForLoadState('load');
	const after = await text();
	ok(!after.includes('Hello, alice'), 'Back after logout does not show the profile');
	ok(!(await page.locator('header').innerText()).includes('alice'), 'Back after logout: the header shows nobody logged in');
	await shot('10-back-after-logout');

	// --- login (issue 13): sessionwrap's own form, for an old script that
	// only reads REMOTE_USER; then its own logout.
	await page.goto(`${base}/whoami.cgi`);
	await page.waitForURL(/\/login\?next=%2Fcgi-bin%2Fwhoami\.cgi$/);
	ok(await page.locator('label[for=user]').innerText() === 'User name', 'whoami.cgi: sent to the built-in form');
	await shot('11-builtin-login');
	await page.fill('#user', 'alice');
	await page.fill('#password', 'wrong');
	await Promise.all([page.waitForLoadState('load'), page.click('button:has-text("Log in")')]);
	ok((await text()).includes('Wrong user name or password.'), 'built-in form: a wrong password says so');
	await page.fill('#user', 'alice');
	await page.fill('#password', 'demo');
	await Promise.all([page.waitForURL(/\/cgi-bin\/whoami\.cgi$/), page.click('button:has-text("Log in")')]);
	ok(await page.locator('#whoami').innerText() === 'REMOTE_USER=alice AUTH_TYPE=Form', 'whoami.cgi: REMOTE_USER=alice AUTH_TYPE=Form');
	await shot('12-builtin-whoami');
	await page.goto(`${base}/index.cgi`);
	const sid = (await context.cookies()).find((c) => c.name === 'session').value;
	await Promise.all([page.waitForURL(/\/login$/), page.click('header button:has-text("Log out")')]);
	// (The form it lands on gives a new, empty session.)
	const sid2 = (await context.cookies()).find((c) => c.name === 'session');
	ok(!sid2 || sid2.value !== sid, 'built-in logout: the logged-in cookie is gone');
	await page.goto(`${base}/whoami.cgi`);
	ok(/\/login\?next=/.test(page.url()), 'after the built-in logout, whoami.cgi sends to the form again');
	await shot('13-builtin-logged-out');
	// --- end login
} catch (e) {
	ok(false, `browser flow: ${e.message.split('\n')[0]}`);
	await shot('error').catch(() => {});
}
await context.close();
process.exit(failed ? 1 : 0);
