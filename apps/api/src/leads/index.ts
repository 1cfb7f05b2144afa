import { CreateLeadHandler, CreditLeadHandler, DeliverLeadHandler, RecordDeliveryFailureHandler, ScoreLeadHandler } from './lead-commands';
import { RouteLeadHandler } from './route-lead.handler';

export const LEAD_COMMAND_HANDLERS = [
  CreateLeadHandler,
  ScoreLeadHandler,
  RouteLeadHandler,
  RecordDeliveryFailureHandler,
  DeliverLeadHandler,
  CreditLeadHandler,
];
