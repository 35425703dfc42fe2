import { Test } from '@nestjs/testing';
import { ConfigModule, loadConfig } from '@redial/config';
import { TelephonyModule } from './telephony.module';
import { TELEPHONY_PROVIDER, type TelephonyProvider } from './telephony.provider';
import { TwilioTelephonyProvider } from './twilio-telephony.provider';

describe('TelephonyModule', () => {
  it('provides a Twilio provider built from the configuration', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(loadConfig({})), TelephonyModule],
    }).compile();
    const provider = moduleRef.get<TelephonyProvider>(TELEPHONY_PROVIDER);
    expect(provider).toBeInstanceOf(TwilioTelephonyProvider);
    expect(provider.name).toBe('twilio');
    await moduleRef.close();
  });
});
