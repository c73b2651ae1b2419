from django.contrib import admin

from meaningflow.conversations.models import Message, Participant, Thread


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    raw_id_fields = ["user"]
    readonly_fields = ["joined_at", "last_read_at"]


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = ["title", "subject", "created_at", "last_message_at"]
    search_fields = ["title", "subject"]
    inlines = [ParticipantInline]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["thread", "sender", "created_at"]
    list_select_related = ["thread", "sender"]
    raw_id_fields = ["thread", "sender"]
    search_fields = ["body", "thread__subject"]
    readonly_fields = ["created_at"]
