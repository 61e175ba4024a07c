/** WhatsApp Cloud API (SPEC §6.2): signed webhooks in, Graph API out, delivery statuses. */
export { createWhatsAppCloudChannel } from './outbound.ts';
export { WHATSAPP_CLOUD_CHANNEL, whatsappCloudSpec } from './spec.ts';
