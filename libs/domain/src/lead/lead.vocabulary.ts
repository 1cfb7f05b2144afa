/** The fixed vocabularies of the HTTP contract. Adding a value is compatible; removing one is not. */
export const LOAN_TYPES = ['purchase', 'refinance', 'cash_out_refinance', 'heloc', 'reverse'] as const;
export type LoanType = (typeof LOAN_TYPES)[number];

export const LOAN_PROGRAMS = ['conventional', 'fha', 'va', 'usda', 'jumbo'] as const;
export type LoanProgram = (typeof LOAN_PROGRAMS)[number];

export const CREDIT_TIERS = ['excellent', 'good', 'fair', 'poor'] as const;
export type CreditTier = (typeof CREDIT_TIERS)[number];

export const SCORE_GRADES = ['A', 'B', 'C', 'D'] as const;
export type ScoreGrade = (typeof SCORE_GRADES)[number];

export const DELIVERY_CHANNELS = ['webhook', 'email', 'sms', 'crm'] as const;
export type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number];

export const CREDIT_REASONS = ['disconnected_number', 'fake_identity', 'out_of_market', 'already_in_loan', 'duplicate', 'other'] as const;
export type CreditReason = (typeof CREDIT_REASONS)[number];

export const US_STATES = [
  'AL', 'AK', 'AZ', 'AR', 'CA', 'CO', 'CT', 'DE', 'DC', 'FL', 'GA', 'HI', 'ID', 'IL', 'IN', 'IA', 'KS', 'KY', 'LA', 'ME',
  'MD', 'MA', 'MI', 'MN', 'MS', 'MO', 'MT', 'NE', 'NV', 'NH', 'NJ', 'NM', 'NY', 'NC', 'ND', 'OH', 'OK', 'OR', 'PA', 'RI',
  'SC', 'SD', 'TN', 'TX', 'UT', 'VT', 'VA', 'WA', 'WV', 'WI', 'WY', 'PR', 'GU', 'VI', 'AS', 'MP',
] as const;
export type UsState = (typeof US_STATES)[number];
