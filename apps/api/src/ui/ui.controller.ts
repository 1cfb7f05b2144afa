import { Controller, Get, Headers, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiError } from '../http/api-error';
import { loadUiAssets, UiAsset } from './ui-assets';

/**
 * The UI's own policy: scripts, styles, data and images from this origin only, no inline code.
 * (If a global Content-Security-Policy is also set, the browser enforces both.)
 */
export const UI_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Serves the pacing dashboard, lead timeline and verify panel: static files, no build step. */
@ApiExcludeController()
@Controller('ui')
export class UiController {
  private readonly assets = loadUiAssets();

  @Get()
  index(@Headers('if-none-match') ifNoneMatch: string | undefined, @Res() reply: FastifyReply) {
    this.send(reply, 'index.html', ifNoneMatch);
  }

  @Get('vendor/:file')
  vendor(@Param('file') file: string, @Headers('if-none-match') ifNoneMatch: string | undefined, @Res() reply: FastifyReply) {
    this.send(reply, `vendor/${file}`, ifNoneMatch);
  }

  @Get(':file')
  file(@Param('file') file: string, @Headers('if-none-match') ifNoneMatch: string | undefined, @Res() reply: FastifyReply) {
    this.send(reply, file, ifNoneMatch);
  }

  private send(reply: FastifyReply, name: string, ifNoneMatch: string | undefined) {
    const asset: UiAsset | undefined = this.assets.get(name);
    if (!asset) throw new ApiError(404, 'NOT_FOUND', `no UI file ${name}`);
    void reply
      .header('content-type', asset.contentType)
      .header('etag', asset.etag)
      // Revalidate every time: a restart with new files must never leave an old script running.
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff');
    if (asset.contentType.startsWith('text/html')) void reply.header('content-security-policy', UI_CONTENT_SECURITY_POLICY).header('referrer-policy', 'no-referrer');
    if (ifNoneMatch === asset.etag) {
      void reply.status(304).send();
      return;
    }
    void reply.status(200).send(asset.body);
  }
}
