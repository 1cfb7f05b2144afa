import { Provider } from '@nestjs/common';
import { Ledger } from '@lead-ledger/ledger/ledger.port';
import { Clock } from '../clock/clock';
import { AppConfig } from '../config/config';
import { APP_CONFIG, LEDGER } from '../ledger/ledger.tokens';
import { DigestRecorder } from './digest-recorder';
import { LedgerDigestsController } from './ledger-digests.controller';
import { ProofService } from './proof.service';
import { VerificationJobsController } from './verification-jobs.controller';
import { VerificationJobs } from './verification-jobs.service';

export { DigestRecorder } from './digest-recorder';
export { ProofService } from './proof.service';

/** The digest recorder catches up with the whole log before the app serves, then follows it. */
export const AUDIT_PROVIDERS: Provider[] = [
  {
    provide: DigestRecorder,
    inject: [LEDGER, APP_CONFIG, Clock],
    useFactory: async (ledger: Ledger, config: AppConfig, clock: Clock) => {
      const recorder = new DigestRecorder(ledger, { everyEvents: config.digestEveryEvents }, clock);
      await recorder.start();
      return recorder;
    },
  },
  ProofService,
  VerificationJobs,
];

export const AUDIT_CONTROLLERS = [LedgerDigestsController, VerificationJobsController];
