"""Web API method handlers of the fake Slack server.

:class:`SlackMethods` answers one already-authenticated Web API call against a
:class:`~sandbox.slack_state.Workspace`, in the shapes and with the errors Slack uses.
The HTTP side (parsing, auth, failure injection, recording) lives in
:mod:`sandbox.slack_api`.
"""

from __future__ import annotations

from collections.abc import Callable

from sandbox.slack_limits import SlackError, arg_str, check_message, flag
from sandbox.slack_state import (
    BOT_ID,
    BOT_NAME,
    BOT_USER_ID,
    TEAM_ID,
    TEAM_NAME,
    WORKSPACE_URL,
    Channel,
    JsonDict,
    UploadedFile,
    Workspace,
)
from sandbox.slack_views import ViewMethods


def _page(items: list[JsonDict], args: JsonDict, default_limit: int) -> JsonDict:
    """Cursor paging over ``items``: the cursor is the offset of the next page."""
    try:
        limit = int(args.get("limit") or default_limit)
        start = int(arg_str(args, "cursor") or 0)
    except ValueError as exc:
        raise SlackError("invalid_cursor") from exc
    limit = max(1, limit)
    chunk = items[start : start + limit]
    more = start + limit < len(items)
    return {
        "messages": chunk,
        "has_more": more,
        "response_metadata": {"next_cursor": str(start + limit) if more else ""},
    }


def _in_window(ts: str, args: JsonDict) -> bool:
    oldest, latest = arg_str(args, "oldest"), arg_str(args, "latest")
    inclusive = flag(args.get("inclusive"))
    value = float(ts)
    if oldest and (value < float(oldest) or (value == float(oldest) and not inclusive)):
        return False
    return not (latest and (value > float(latest) or (value == float(latest) and not inclusive)))


class SlackMethods:
    """The Web API methods the fake implements, bound to one workspace."""

    def __init__(
        self, workspace: Workspace, *, monotonic: Callable[[], float], base_url: Callable[[], str]
    ) -> None:
        self.ws = workspace
        self._base_url = base_url
        self.handlers: dict[str, Callable[[JsonDict], JsonDict]] = {
            "auth.test": self.auth_test,
            "chat.postMessage": self.chat_post_message,
            "chat.postEphemeral": self.chat_post_ephemeral,
            "chat.update": self.chat_update,
            "chat.delete": self.chat_delete,
            "chat.getPermalink": self.chat_get_permalink,
            "conversations.info": self.conversations_info,
            "conversations.open": self.conversations_open,
            "conversations.members": self.conversations_members,
            "conversations.join": self.conversations_join,
            "conversations.history": self.conversations_history,
            "conversations.replies": self.conversations_replies,
            "users.info": self.users_info,
            "files.getUploadURLExternal": self.files_get_upload_url_external,
            "files.completeUploadExternal": self.files_complete_upload_external,
            **ViewMethods(workspace, monotonic=monotonic).handlers,
        }

    def call(self, method: str, args: JsonDict) -> JsonDict:
        """Answer one call; unknown methods get ``unknown_method``."""
        handler = self.handlers.get(method)
        if handler is None:
            return {"ok": False, "error": "unknown_method", "req_method": method}
        try:
            return {"ok": True, **handler(args)}
        except SlackError as exc:
            return exc.response

    # conversation access ----------------------------------------------------------------
    def _visible(self, channel_id: str) -> Channel:
        """A conversation the bot can see (private ones only as a member)."""
        channel = self.ws.resolve(channel_id) if channel_id else None
        if channel is None or (
            (channel.is_private or channel.is_mpim) and not channel.bot_is_member
        ):
            raise SlackError("channel_not_found")
        return channel

    def _readable(self, channel_id: str) -> Channel:
        channel = self._visible(channel_id)
        if not channel.bot_is_member:
            raise SlackError("not_in_channel")
        return channel

    def _writable(self, channel_id: str) -> Channel:
        channel = self._visible(channel_id)
        if channel.archived:
            raise SlackError("is_archived")
        if not channel.bot_is_member:
            raise SlackError("not_in_channel")
        return channel

    def _message(self, channel: Channel, ts: str) -> JsonDict:
        message = self.ws.find_message(channel.id, ts) if ts else None
        if message is None:
            raise SlackError("message_not_found")
        return message

    # auth / chat ------------------------------------------------------------------------
    def auth_test(self, args: JsonDict) -> JsonDict:
        return {
            "url": WORKSPACE_URL,
            "team": TEAM_NAME,
            "user": BOT_NAME,
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def chat_post_message(self, args: JsonDict) -> JsonDict:
        channel = self._writable(arg_str(args, "channel"))
        violation = check_message(args.get("text"), args.get("blocks"), args.get("attachments"))
        if violation:
            raise SlackError.from_violation(violation)
        extra = {"attachments": args["attachments"]} if args.get("attachments") else None
        message = self.ws.store_message(
            channel.id,
            user=BOT_USER_ID,
            text=arg_str(args, "text"),
            blocks=args.get("blocks"),
            thread_ts=arg_str(args, "thread_ts") or None,
            metadata=args.get("metadata") if isinstance(args.get("metadata"), dict) else None,
            extra=extra,
        )
        return {
            "channel": channel.id,
            "ts": message["ts"],
            "message": self.ws.api_message(channel.id, message),
        }

    def chat_post_ephemeral(self, args: JsonDict) -> JsonDict:
        channel = self._writable(arg_str(args, "channel"))
        user = arg_str(args, "user")
        if user not in self.ws.users:
            raise SlackError("user_not_found")
        if user not in channel.members:
            raise SlackError("user_not_in_channel")
        violation = check_message(args.get("text"), args.get("blocks"), args.get("attachments"))
        if violation:
            raise SlackError.from_violation(violation)
        ts = self.ws.next_ts()
        self.ws.ephemerals.append(
            {
                "channel": channel.id,
                "user": user,
                "ts": ts,
                "text": arg_str(args, "text"),
                "blocks": list(args.get("blocks") or []),
                "thread_ts": arg_str(args, "thread_ts") or None,
            }
        )
        return {"message_ts": ts}

    def chat_update(self, args: JsonDict) -> JsonDict:
        channel = self._visible(arg_str(args, "channel"))
        if channel.archived:
            raise SlackError("is_archived")
        message = self._message(channel, arg_str(args, "ts"))
        if message["user"] != BOT_USER_ID:
            raise SlackError("cant_update_message")
        text = arg_str(args, "text") if "text" in args else message["text"]
        blocks = args.get("blocks") if "blocks" in args else message["blocks"]
        attachments = args.get("attachments", message.get("attachments"))
        violation = check_message(text, blocks, attachments)
        if violation:
            raise SlackError.from_violation(violation)
        message.update(text=text, blocks=list(blocks or []))
        if attachments is not None:
            message["attachments"] = attachments
        if isinstance(args.get("metadata"), dict):
            message["metadata"] = args["metadata"]
        message["edited"] = {"user": BOT_USER_ID, "ts": self.ws.next_ts()}
        return {
            "channel": channel.id,
            "ts": message["ts"],
            "text": text,
            "message": self.ws.api_message(channel.id, message),
        }

    def chat_delete(self, args: JsonDict) -> JsonDict:
        channel = self._visible(arg_str(args, "channel"))
        message = self._message(channel, arg_str(args, "ts"))
        if message["user"] != BOT_USER_ID:
            raise SlackError("cant_delete_message")
        self.ws.messages[channel.id].remove(message)
        return {"channel": channel.id, "ts": message["ts"]}

    def chat_get_permalink(self, args: JsonDict) -> JsonDict:
        channel = self._visible(arg_str(args, "channel"))
        message = self._message(channel, arg_str(args, "message_ts"))
        link = f"{WORKSPACE_URL}archives/{channel.id}/p{message['ts'].replace('.', '')}"
        if message.get("thread_ts") and message["thread_ts"] != message["ts"]:
            link += f"?thread_ts={message['thread_ts']}&cid={channel.id}"
        return {"channel": channel.id, "permalink": link}

    # conversations ----------------------------------------------------------------------
    def conversations_info(self, args: JsonDict) -> JsonDict:
        return {"channel": self._visible(arg_str(args, "channel")).to_api()}

    def conversations_open(self, args: JsonDict) -> JsonDict:
        if args.get("channel"):
            channel = self._visible(arg_str(args, "channel"))
            existed = True
        else:
            raw = args.get("users") or ""
            users = raw if isinstance(raw, list) else [u.strip() for u in str(raw).split(",")]
            users = [u for u in users if u]
            if not users:
                raise SlackError("users_list_not_supplied")
            for user in users:
                if user not in self.ws.users:
                    raise SlackError("user_not_found")
            channel, existed = self._open_conversation(users)
        body: JsonDict = {
            "channel": channel.to_api() if flag(args.get("return_im")) else {"id": channel.id}
        }
        if existed:
            body.update(no_op=True, already_open=True)
        return body

    def _open_conversation(self, users: list[str]) -> tuple[Channel, bool]:
        others = sorted(set(users) - {BOT_USER_ID})
        if len(others) <= 1:
            user = others[0] if others else BOT_USER_ID
            existed = any(c.is_im and c.im_user == user for c in self.ws.channels.values())
            return self.ws.open_dm(user), existed
        members = {*others, BOT_USER_ID}
        for channel in self.ws.channels.values():
            if channel.is_mpim and channel.members == members:
                return channel, True
        names = "--".join(self.ws.users[u].name for u in sorted(members))
        channel = Channel(self.ws.new_id("G"), f"mpdm-{names}-1", members, is_private=True)
        channel.is_mpim = True
        self.ws.channels[channel.id] = channel
        return channel, False

    def conversations_members(self, args: JsonDict) -> JsonDict:
        channel = self._visible(arg_str(args, "channel"))
        return {"members": sorted(channel.members), "response_metadata": {"next_cursor": ""}}

    def conversations_join(self, args: JsonDict) -> JsonDict:
        channel = self._visible(arg_str(args, "channel"))
        if channel.is_im or channel.is_mpim:
            raise SlackError("method_not_supported_for_channel_type")
        if channel.archived:
            raise SlackError("is_archived")
        body: JsonDict = {}
        if channel.bot_is_member:
            body = {
                "warning": "already_in_channel",
                "response_metadata": {"warnings": ["already_in_channel"]},
            }
        channel.members.add(BOT_USER_ID)
        return {"channel": channel.to_api(), **body}

    def conversations_history(self, args: JsonDict) -> JsonDict:
        channel = self._readable(arg_str(args, "channel"))
        with_meta = flag(args.get("include_all_metadata"))
        top = [
            self.ws.api_message(channel.id, m, include_metadata=with_meta)
            for m in reversed(self.ws.messages.get(channel.id, []))
            if m.get("thread_ts") in (None, m["ts"]) and _in_window(m["ts"], args)
        ]
        return {**_page(top, args, 100), "pin_count": 0}

    def conversations_replies(self, args: JsonDict) -> JsonDict:
        channel = self._readable(arg_str(args, "channel"))
        message = self.ws.find_message(channel.id, arg_str(args, "ts"))
        if message is None:
            raise SlackError("thread_not_found")
        parent_ts = message.get("thread_ts") or message["ts"]
        with_meta = flag(args.get("include_all_metadata"))
        thread = [
            self.ws.api_message(channel.id, m, include_metadata=with_meta)
            for m in self.ws.messages.get(channel.id, [])
            if (m["ts"] == parent_ts or m.get("thread_ts") == parent_ts)
            and _in_window(m["ts"], args)
        ]
        return _page(thread, args, 1000)

    def users_info(self, args: JsonDict) -> JsonDict:
        user = self.ws.users.get(arg_str(args, "user"))
        if user is None:
            raise SlackError("user_not_found")
        return {"user": user.to_api(include_locale=flag(args.get("include_locale")))}

    # files ------------------------------------------------------------------------------
    def files_get_upload_url_external(self, args: JsonDict) -> JsonDict:
        filename = arg_str(args, "filename")
        try:
            length = int(args.get("length") or -1)
        except ValueError:
            length = -1
        if not filename or length < 0:
            raise SlackError("invalid_arguments")
        file_id = self.ws.new_id("F")
        self.ws.files[file_id] = UploadedFile(
            file_id,
            filename,
            length,
            alt_txt=arg_str(args, "alt_txt") or None,
            snippet_type=arg_str(args, "snippet_type") or None,
        )
        return {"upload_url": f"{self._base_url()}upload/{file_id}", "file_id": file_id}

    def files_complete_upload_external(self, args: JsonDict) -> JsonDict:
        items = args.get("files")
        if not isinstance(items, list) or not items:
            raise SlackError("invalid_arguments")
        uploads: list[tuple[UploadedFile, JsonDict]] = []
        for item in items:
            upload = self.ws.files.get(str(item.get("id"))) if isinstance(item, dict) else None
            if upload is None or upload.content is None:
                raise SlackError("file_not_found")
            uploads.append((upload, item))
        raw = args.get("channels") or args.get("channel_id") or ""
        channel_ids = [c.strip() for c in str(raw).split(",") if c.strip()]
        channels = [self._writable(c) for c in channel_ids]
        thread_ts = arg_str(args, "thread_ts") or None
        for upload, item in uploads:
            upload.completed = True
            upload.title = item.get("title") or upload.filename
            upload.channels = [c.id for c in channels]
            upload.initial_comment = arg_str(args, "initial_comment") or None
            upload.thread_ts = thread_ts
        for channel in channels:
            self.ws.store_message(
                channel.id,
                user=BOT_USER_ID,
                text=arg_str(args, "initial_comment"),
                thread_ts=thread_ts,
                extra={"files": [u.to_api() for u, _ in uploads], "upload": True},
            )
        return {"files": [u.to_api() for u, _ in uploads]}
