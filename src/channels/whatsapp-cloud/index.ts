/** WhatsApp Cloud API (SPEC §6.2): signed webhooks in, Graph API out, delivery statuses. */
export { createWhatsAppCloudChannel } from './outbound.ts';
export {
  CLOUD_ERRORS,
  SIGNATURE_256_HEADER,
  WHATSAPP_CLOUD_CHANNEL,
  type WhatsAppCloudSecrets,
  whatsappCloudSpec,
} from './spec.ts';
