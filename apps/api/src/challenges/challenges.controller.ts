import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { ChallengeView, CheckResult } from '@redial/contracts';
import type { FastifyRequest } from 'fastify';
import { Auth, AuthedRequest } from '../common/auth.guard';
import { ChallengesService } from './challenges.service';

@Controller('v1/challenges')
export class ChallengesController {
  constructor(private readonly challenges: ChallengesService) {}

  @Post()
  @HttpCode(201)
  create(@Body() body: unknown, @Req() request: FastifyRequest): Promise<ChallengeView & { token: string }> {
    return this.challenges.create(body, String(request.id));
  }

  @Get(':id')
  @Auth('token')
  get(@Param('id') id: string, @Req() request: AuthedRequest): Promise<ChallengeView> {
    return this.challenges.get(id, request);
  }

  @Post(':id/check')
  @Auth('token')
  @HttpCode(200)
  check(@Param('id') id: string, @Body() body: unknown, @Req() request: AuthedRequest): Promise<CheckResult> {
    return this.challenges.check(id, body, request);
  }

  @Post(':id/advance')
  @Auth('token')
  @HttpCode(200)
  advance(@Param('id') id: string, @Req() request: AuthedRequest): Promise<ChallengeView> {
    return this.challenges.advance(id, request);
  }

  /** The person may cancel their own verification from the status page, so the challenge token works here too. */
  @Post(':id/cancel')
  @Auth('token')
  @HttpCode(200)
  cancel(@Param('id') id: string, @Req() request: AuthedRequest): Promise<ChallengeView> {
    return this.challenges.cancel(id, request);
  }
}
