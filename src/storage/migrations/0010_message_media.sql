CREATE TABLE "message_media" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"message_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"kind" text NOT NULL,
	"mime_type" text,
	"file_name" text,
	"caption" text,
	"source" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text NOT NULL,
	"error" text,
	"storage_key" text,
	"sha256" text,
	"size_bytes" integer,
	"transcript" text,
	"transcribed_by" text,
	"extracted_text" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "message_media_status_check" CHECK (status in ('pending', 'stored', 'refused', 'failed'))
);
--> statement-breakpoint
ALTER TABLE "message_media" ADD CONSTRAINT "message_media_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_media" ADD CONSTRAINT "message_media_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "message_media_position_uq" ON "message_media" USING btree ("message_id","position");--> statement-breakpoint
CREATE INDEX "message_media_tenant_key_idx" ON "message_media" USING btree ("tenant_id","storage_key");