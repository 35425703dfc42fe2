import { TwilioCredentials } from './twilio-auth.rules';

const ACCOUNT = `AC${'1'.repeat(32)}`;
const KEY = { sid: `SK${'2'.repeat(32)}`, secret: 'key-secret' };
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('TwilioCredentials', () => {
  const credentials = new TwilioCredentials(ACCOUNT, 'auth-token', KEY);

  it.each([
    [basic(ACCOUNT, 'auth-token'), true],
    [basic(KEY.sid, KEY.secret), true],
    [`  basic   ${Buffer.from(`${ACCOUNT}:auth-token`).toString('base64')}  `, true],
    [basic(ACCOUNT, 'auth-tokeN'), false],
    [basic(ACCOUNT, 'auth-token '), false],
    [basic(KEY.sid, 'auth-token'), false],
    [basic(ACCOUNT, KEY.secret), false],
    [basic('', ''), false],
    [`Bearer ${Buffer.from(`${ACCOUNT}:auth-token`).toString('base64')}`, false],
    ['Basic !!!', false],
    [undefined, false],
  ])('%j → %p', (header, ok) => expect(credentials.accepts(header)).toBe(ok));
});
