import { Controller, Get, HttpCode, Put } from '@nestjs/common';
import { type PhoneSettingsInput, PhoneSettingsInputSchema, type PhoneSettingsView, UserPathParamsSchema } from '@redial/contracts';
import { RequestId } from '../common/request-context';
import { ValidBody, ValidParams } from '../common/zod-validation.pipe';
import { PhonesService } from './phones.service';

type UserPath = { userId: string };

@Controller('v1/users/:userId/phones')
export class PhonesController {
  constructor(private readonly phones: PhonesService) {}

  @Put()
  @HttpCode(200)
  save(@ValidParams(UserPathParamsSchema) path: UserPath, @ValidBody(PhoneSettingsInputSchema) body: PhoneSettingsInput, @RequestId() requestId: string): Promise<PhoneSettingsView> {
    return this.phones.save(path.userId, body, requestId);
  }

  @Get()
  get(@ValidParams(UserPathParamsSchema) path: UserPath): Promise<PhoneSettingsView> {
    return this.phones.get(path.userId);
  }
}
