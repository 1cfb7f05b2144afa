/** The Nest baselines' app: one no-op POST controller, identical on both adapters. */
import { Body, Controller, HttpCode, Module, Param, Post } from '@nestjs/common';
import { BASELINE_LEAD_ID } from './common';

/** One no-op POST controller: same routes as the lead lifecycle, bodies parsed, nothing done. */
@Controller('v1/leads')
export class NoopLeadsController {
  @Post()
  @HttpCode(201)
  create(@Body() _body: unknown) {
    return { leadId: BASELINE_LEAD_ID, revision: 0, position: '1' };
  }

  @Post(':leadId/:action')
  @HttpCode(200)
  act(@Param('leadId') leadId: string, @Body() _body: unknown) {
    return { leadId, revision: 1, position: '2' };
  }
}

@Module({ controllers: [NoopLeadsController] })
export class NoopModule {}
