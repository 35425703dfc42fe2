import { Body, Controller, Get, HttpCode, Param, Put, Req } from '@nestjs/common';
import type { PhoneSettingsView } from '@redial/contracts';
import type { FastifyRequest } from 'fastify';
import { pathId } from '../common/input';
import { PhonesService } from './phones.service';

@Controller('v1/users/:userId/phones')
export class PhonesController {
  constructor(private readonly phones: PhonesService) {}

  @Put()
  @HttpCode(200)
  save(@Param('userId') userId: string, @Body() body: unknown, @Req() request: FastifyRequest): Promise<PhoneSettingsView> {
    return this.phones.save(pathId(userId, 'userId'), body, String(request.id));
  }

  @Get()
  get(@Param('userId') userId: string): Promise<PhoneSettingsView> {
    return this.phones.get(pathId(userId, 'userId'));
  }
}
