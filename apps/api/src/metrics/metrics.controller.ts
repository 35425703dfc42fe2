import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Auth } from '../common/auth.guard';
import { MetricsService } from './metrics.service';

/** Prometheus scrape endpoint: operator token, or no token from 127.0.0.1 (a local Prometheus or agent). */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Auth('operator-or-loopback')
  async scrape(@Res() reply: FastifyReply): Promise<void> {
    const { contentType, body } = await this.metrics.render();
    void reply.header('content-type', contentType).header('cache-control', 'no-store').send(body);
  }
}
