import { inject, injectable } from 'inversify';
import { CHANGE_FEED, type ChangeFeed } from '../ports/change-feed.port.js';
import { EVENT_BUS, type EventBus } from '../ports/event-bus.port.js';
import { EVENT_STREAM, type EventStream, type StoredQueueEvent } from '../ports/event-stream.port.js';
import { LOGGER, type Logger } from '../ports/logger.port.js';

/** Events read per query while catching up; a reader far behind catches up in pages of this size. */
const READ_PAGE = 500;

export interface EventFollower {
  /** Id of the last event delivered (the `lastEventId` to resume from). */
  readonly lastId: string;
  close(): void;
}

/**
 * Follows the durable event stream of one queue (or all) from an id: first what is stored after it,
 * then each new event, in id order, exactly once. A follower reads the store only when something may
 * have been written: this engine's bus said so (right after its commit), or the change feed saw another
 * process commit (PRAGMA data_version). Nothing is read while the file is quiet.
 */
@injectable()
export class EventsService {
  constructor(
    @inject(EVENT_STREAM) private readonly stream: EventStream,
    @inject(EVENT_BUS) private readonly bus: EventBus,
    @inject(CHANGE_FEED) private readonly changes: ChangeFeed,
    @inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Newest stored id, counting this process's events published so far (written first: read your writes). */
  async latestId(queue: string | null): Promise<string> {
    await this.stream.flush();
    return this.stream.latestId(queue);
  }

  async forJob(queue: string, jobId: string): Promise<StoredQueueEvent[]> {
    await this.stream.flush();
    return this.stream.forJob(queue, jobId);
  }

  follow(queue: string | null, fromId: string, onEvent: (event: StoredQueueEvent) => void): EventFollower {
    let lastId = fromId;
    let reading = false;
    let again = false;
    let closed = false;
    const readNew = async (): Promise<void> => {
      if (closed) return;
      if (reading) return void (again = true);
      reading = true;
      try {
        do {
          again = false;
          for (;;) {
            const page = await this.stream.read(queue, lastId, READ_PAGE);
            for (const event of page) {
              if (closed) return;
              lastId = event.id;
              try {
                onEvent(event);
              } catch (error) {
                // A listener's own bug must not stop the stream (nor make it deliver the event again).
                this.logger.error('queue event listener threw', { error: String(error), event: event.event });
              }
            }
            if (page.length < READ_PAGE) break;
          }
        } while (again && !closed);
      } catch (error) {
        if (!closed) this.logger.warn('reading queue events failed', { error: String(error) });
      } finally {
        reading = false;
      }
    };
    const wake = () => void readNew();
    const offs = [
      queue === null ? this.bus.subscribeAll(wake) : this.bus.subscribe(queue, wake),
      this.changes.subscribe(wake),
    ];
    void readNew();
    return {
      get lastId() {
        return lastId;
      },
      close() {
        closed = true;
        for (const off of offs.splice(0)) off();
      },
    };
  }
}
