import { buildFraudConfirmTwiml, buildGoodbyeTwiml, buildPromptTwiml, FRAUD_CONFIRM_TEXT, promptText } from './voice-twiml';

describe('voice TwiML', () => {
  it('builds the verification prompt: a one-key Gather with no finish key, then the no-input Redirect', () => {
    const xml = buildPromptTwiml({
      gatherActionUrl: 'https://api.example.com/webhooks/twilio/voice/a1/gather?try=1&x=2',
      redirectUrl: 'https://api.example.com/webhooks/twilio/voice/a1?repeat=1',
    });
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response>' +
        '<Gather input="dtmf" finishOnKey="" numDigits="1" timeout="8" ' +
        'action="https://api.example.com/webhooks/twilio/voice/a1/gather?try=1&amp;x=2" method="POST">' +
        '<Say>This is Redial with your sign-in verification. Press the pound key to approve. ' +
        'If you did not try to sign in, press zero, then pound.</Say></Gather>' +
        '<Redirect method="POST">https://api.example.com/webhooks/twilio/voice/a1?repeat=1</Redirect>' +
        '</Response>',
    );
  });

  it('asks for # to confirm a fraud report with the same one-key Gather', () => {
    const xml = buildFraudConfirmTwiml({ gatherActionUrl: 'https://a/g?prompt=confirm_fraud', redirectUrl: 'https://a/r' });
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response>' +
        '<Gather input="dtmf" finishOnKey="" numDigits="1" timeout="8" action="https://a/g?prompt=confirm_fraud" method="POST">' +
        `<Say>${FRAUD_CONFIRM_TEXT}</Say></Gather>` +
        '<Redirect method="POST">https://a/r</Redirect></Response>',
    );
  });

  it('words the prompt for a settings confirmation', () => {
    const xml = buildPromptTwiml({ gatherActionUrl: 'https://a/g', redirectUrl: 'https://a/r', purpose: 'settings' });
    expect(xml).toContain(`<Say>${promptText('settings')}</Say>`);
  });

  it.each(['sign_in', 'settings'] as const)('keeps the %s prompt under 20 seconds of speech', (purpose) => {
    const words = promptText(purpose).split(/\s+/).length;
    expect(words / 2.5).toBeLessThan(20);
  });

  it('says goodbye and hangs up, escaping the text', () => {
    expect(buildGoodbyeTwiml('Thanks & goodbye.')).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Thanks &amp; goodbye.</Say><Hangup/></Response>',
    );
  });
});
